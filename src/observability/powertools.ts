/**
 * Powertools-backed LogFn and MetricsSink for the Lambda handlers: JSON logs with the Lambda context and
 * CloudWatch Embedded Metric Format lines (the log line is the metric; no PutMetricData call, no extra IAM).
 * Built once per container by each handler.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE, SERVICE_NAME, redactSecrets, type LogFn, type MetricsSink, type TelemetryPorts } from './telemetry.js';

export interface Telemetry extends TelemetryPorts {
  logger: Logger;
}

/**
 * @param functionName short name for the `function` log field (router, validate, upload)
 * @param deployedName the `Function` metric dimension: the deployed function's name (AWS_LAMBDA_FUNCTION_NAME,
 *   e.g. capture-router-prod-upload), so two stages in one account never share an alarm's series.
 */
export function createTelemetry(functionName: string, deployedName: string = functionName): Telemetry {
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function: functionName }, jsonReplacerFn: redactSecrets });
  const root = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const log: LogFn = (level, message, fields = {}) => logger[level](message, fields);
  const metrics: MetricsSink = {
    add(name, unit, value, dimensions = {}) {
      // One EMF document per point (singleMetric): the points of one invocation carry different ModelIds, and a
      // stored-metrics flush shares one dimension set. Two sets: [service, Function] (alarms)
      // and [service, …dimensions] (per model, per reason…).
      const single = root.singleMetric();
      single.addDimensions({ Function: deployedName });
      if (Object.keys(dimensions).length > 0) single.addDimensions(dimensions);
      single.addMetric(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value);
    },
  };
  return {
    logger,
    log,
    metrics,
    // Adds the Lambda context (request id, cold start, function name) to the following log lines.
    addContext(context) {
      if (context && typeof context.functionName === 'string') logger.addContext(context as Context);
    },
  };
}
