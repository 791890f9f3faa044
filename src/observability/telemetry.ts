/**
 * The observability ports the use cases see: a structured log function and a metrics sink. No AWS import here:
 * the handlers (composition roots) back them with Powertools Logger and Metrics (./powertools.ts); the local
 * stack and the tests back them with plain JSON lines and hand-written EMF (below).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** One structured log line: a message and its fields (references and counts, never customer data or secrets). */
export type LogFn = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export type MetricUnitName = 'Count' | 'Milliseconds';

/** Every metric this service emits; the alarms and the dashboard in serverless.yml read these names. */
export const METRIC_NAMES = [
  'FilesRouted',
  'FilesUnrouted',
  'FilesAlreadyDelivered',
  'InferencesValidated',
  'InferencesRejected',
  'InferencesSent',
  'InferencesFailed',
  'InferencesAlreadyPresent',
  'UploadAttempts',
  'UploadFailures',
  'ArthurServerErrors',
  'ArthurLatency',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const METRICS_NAMESPACE = 'CaptureRouter';
export const SERVICE_NAME = 'capture-router';

/**
 * Records one data point. `dimensions` narrow it (ModelId, Reason, ErrorName) and publish it under
 * [service, …dimensions]; every point is also published under [service, Function], which the alarms read.
 */
export interface MetricsSink {
  add(name: MetricName, unit: MetricUnitName, value: number, dimensions?: Record<string, string>): void;
}

/** The correlation fields every function logs where it knows them. */
export type Correlation = {
  bucket?: string;
  key?: string;
  modelId?: string;
  executionName?: string;
  eventId?: string;
};

/** A log function that adds `fields` to every line (its own fields win). */
export function withFields(log: LogFn, fields: Record<string, unknown>): LogFn {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return (level, message, extra) => log(level, message, { ...defined, ...extra });
}

/** Field names whose values never reach a log line, at any depth. `tokenSecretArn` names a secret, it is not one. */
const SECRET_FIELD = /^(token|arthurToken|authorization|password|secret|secretString|apiKey|x-api-key)$/i;
export const REDACTED = '[REDACTED]';

/**
 * JSON.stringify replacer that masks secret-named fields. Defence in depth: the code never passes the token to a
 * log call, and this keeps it so when someone logs a whole request object.
 *
 * @example
 * JSON.stringify({ token: 'abc', key: 'k' }, redactSecrets) // '{"token":"[REDACTED]","key":"k"}'
 */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_FIELD.test(key) && value !== undefined && value !== null) return REDACTED;
  return value;
}

/** A LogFn writing one JSON object per line (the local stack and tests; Lambda uses Powertools Logger). */
export function jsonLineLog(write: (line: string) => void, base: Record<string, unknown> = {}): LogFn {
  return (level, message, fields = {}) => write(JSON.stringify({ level: level.toUpperCase(), message, ...base, ...fields }, redactSecrets));
}

/**
 * A MetricsSink writing CloudWatch Embedded Metric Format documents, one per data point, with the same
 * dimension sets as the Powertools sink (so the local stack's lines look like Lambda's).
 */
export function emfLineMetrics(write: (line: string) => void, functionName: string, now: () => number = Date.now): MetricsSink {
  return {
    add(name, unit, value, dimensions = {}) {
      const base = { service: SERVICE_NAME, Function: functionName };
      const sets = [Object.keys(base)];
      if (Object.keys(dimensions).length > 0) sets.push(['service', ...Object.keys(dimensions)]);
      write(
        JSON.stringify({
          _aws: { Timestamp: now(), CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: sets, Metrics: [{ Name: name, Unit: unit }] }] },
          ...base,
          ...dimensions,
          [name]: value,
        }),
      );
    },
  };
}

/** For deps where metrics are optional. */
export const noMetrics: MetricsSink = { add() {} };

/** For deps where the log is optional: writes nothing. */
export const noLog: LogFn = () => undefined;

/**
 * What a function's handler observes with: the ports its use cases take, and a hook that adds the Lambda
 * context (request id, cold start) to the lines that follow. Lambdas pass Powertools (./powertools.ts); the local
 * stack and the tests pass {@link lineTelemetry}.
 */
export interface TelemetryPorts {
  log: LogFn;
  metrics: MetricsSink;
  addContext(context: { functionName?: unknown } | undefined): void;
}

/**
 * JSON log lines (with a `function` field, as Powertools writes them) and EMF metric lines, to one writer.
 *
 * @example
 * const telemetry = lineTelemetry((line) => lines.push(line), 'router');
 */
export function lineTelemetry(write: (line: string) => void, functionName: string, now: () => number = Date.now): TelemetryPorts {
  return { log: jsonLineLog(write, { function: functionName }), metrics: emfLineMetrics(write, functionName, now), addContext: () => undefined };
}
