/**
 * S3 bucket notifications for the local S3 (s3rver 3.7.1 answers `?notification` with NotImplemented):
 * Get/PutBucketNotificationConfiguration on the wire (REST XML), refused as S3 refuses them (overlap, filter
 * rules; see src/onboarding/notification-rules.ts), and object-created events delivered only by the rules.
 *
 * Integration (the local stack): `const store = createNotificationStore({ defaultConfig: { [bucket]:
 * { LambdaFunctionConfigurations: [bucketWideRule(routerArn)] } }, targets: { [routerArn]: invokeRouter } })`,
 * `installNotificationConfiguration(s3rver, store)` before `s3rver.run()`, then feed each s3rver 'event' (keys
 * URL-encoded as real S3 sends them) to `store.deliver(event)` — or pass `{ deliverEvents: true }` to have the
 * install do that. A rule whose target has no handler records the delivery in `store.deliveries`.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { decodeS3EventKey, encodeS3EventKey } from '../../src/routing/decode-key.js';
import { matchingTargets, type NotificationConfiguration, validateConfiguration } from '../../src/onboarding/notification-rules.js';
import { MalformedNotificationXmlError, notificationXml, parseNotificationXml } from './notification-xml.js';

/** One object event that a rule sent to a target. */
export interface NotificationDelivery {
  bucket: string;
  key: string;
  eventName: string;
  ruleId: string;
  target: string;
  /** True when a handler of the stack received it; false when only recorded (a function the stack does not run). */
  handled: boolean;
}

export type NotificationTarget = (event: S3Event) => void;

/** S3's refusal of a configuration: `code` and `message` are what the S3 client reports. */
export class NotificationConfigurationError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'NotificationConfigurationError';
    this.code = code;
  }
}

export interface NotificationStore {
  /** The bucket's configuration (an empty one when none was ever put). */
  get(bucket: string): NotificationConfiguration;
  /** Replaces the bucket's configuration, or throws NotificationConfigurationError as S3 would refuse it. */
  put(bucket: string, config: NotificationConfiguration): void;
  /** Sends each record to the targets whose rule matches it; returns where each went. */
  deliver(event: S3Event): NotificationDelivery[];
  /** Lets a function the stack runs receive the events its rules match (instead of only recording them). */
  setTarget(arn: string, handler: NotificationTarget): void;
  /** Every delivery so far, handled or recorded, in order. */
  readonly deliveries: NotificationDelivery[];
}

export interface NotificationStoreOptions {
  /** Each bucket's configuration until one is put: the router's bucket-wide rule on the capture bucket. */
  defaultConfig?: Record<string, NotificationConfiguration>;
  targets?: Record<string, NotificationTarget>;
  /** How many deliveries `deliveries` keeps (newest). Default 10,000. */
  limit?: number;
}

export function createNotificationStore(options: NotificationStoreOptions = {}): NotificationStore {
  const configs = new Map<string, NotificationConfiguration>(Object.entries(options.defaultConfig ?? {}).map(([b, c]) => [b, structuredClone(c)]));
  const targets = new Map(Object.entries(options.targets ?? {}));
  const deliveries: NotificationDelivery[] = [];
  const limit = options.limit ?? 10_000;
  return {
    deliveries,
    get: (bucket) => structuredClone(configs.get(bucket) ?? {}),
    put(bucket, config) {
      const problem = validateConfiguration(config);
      if (problem) throw new NotificationConfigurationError(problem.code, problem.message);
      configs.set(bucket, withIds(config));
    },
    setTarget: (arn, handler) => void targets.set(arn, handler),
    deliver(event) {
      const byTarget = new Map<string, S3EventRecord[]>();
      const out: NotificationDelivery[] = [];
      for (const record of event.Records ?? []) {
        const bucket = record.s3.bucket.name;
        const key = decodeS3EventKey(record.s3.object.key).key;
        for (const rule of matchingTargets(configs.get(bucket) ?? {}, record.eventName, key)) {
          const handled = targets.has(rule.target);
          out.push({ bucket, key, eventName: record.eventName, ruleId: rule.id, target: rule.target, handled });
          // Real S3 names the rule that fired in each record.
          const list = byTarget.get(rule.target) ?? [];
          list.push({ ...record, s3: { ...record.s3, configurationId: rule.id } });
          byTarget.set(rule.target, list);
        }
      }
      deliveries.push(...out);
      if (deliveries.length > limit) deliveries.splice(0, deliveries.length - limit);
      for (const [target, records] of byTarget) targets.get(target)?.({ Records: records });
      return out;
    },
  };
}

/** S3 gives a rule put without an Id a generated one. */
function withIds(config: NotificationConfiguration): NotificationConfiguration {
  const id = <T extends { Id?: string }>(c: T): T => ({ ...c, Id: c.Id || randomBytes(24).toString('base64url') });
  const copy = structuredClone(config);
  return {
    ...copy,
    ...(copy.LambdaFunctionConfigurations ? { LambdaFunctionConfigurations: copy.LambdaFunctionConfigurations.map(id) } : {}),
    ...(copy.QueueConfigurations ? { QueueConfigurations: copy.QueueConfigurations.map(id) } : {}),
    ...(copy.TopicConfigurations ? { TopicConfigurations: copy.TopicConfigurations.map(id) } : {}),
  };
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  req: NodeJS.ReadableStream;
  body: unknown;
  type: string;
  status: number;
  store: { getBucket(name: string): Promise<unknown> };
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface KoaApp {
  middleware: KoaMiddleware[];
}

const require = createRequire(import.meta.url);
// s3rver's own error class: thrown from a middleware, s3rver renders it as S3 does (<Error><Code>…, status).
const S3Error = require('s3rver/lib/models/error.js') as new (code: string, message: string, detail?: Record<string, string>) => Error;

/**
 * Answers `GET|PUT /{bucket}?notification` from `store`, ahead of s3rver's routes (which would answer
 * NotImplemented). Call before `s3rver.run()`. With `deliverEvents`, every s3rver 'event' goes to `store.deliver`
 * with its key URL-encoded as real S3 sends it.
 */
export function installNotificationConfiguration(s3rver: unknown, store: NotificationStore, options: { deliverEvents?: boolean } = {}): void {
  const app = s3rver as KoaApp;
  if (!Array.isArray(app.middleware) || app.middleware.length === 0) throw new Error('installNotificationConfiguration: not an s3rver (Koa) instance');
  const middleware: KoaMiddleware = async (ctx, next) => {
    const bucket = /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
    if (!bucket || !('notification' in ctx.query) || (ctx.method !== 'GET' && ctx.method !== 'PUT')) return next();
    if (!(await ctx.store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    if (ctx.method === 'GET') {
      ctx.type = 'application/xml';
      ctx.body = notificationXml(store.get(bucket));
      return;
    }
    const xml = await readText(ctx.req);
    let config: NotificationConfiguration;
    try {
      config = parseNotificationXml(xml);
    } catch (error) {
      if (!(error instanceof MalformedNotificationXmlError)) throw error;
      throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    try {
      store.put(bucket, config);
    } catch (error) {
      if (error instanceof NotificationConfigurationError) throw new S3Error(error.code, error.message);
      throw error;
    }
    ctx.status = 200;
    ctx.body = '';
  };
  // Before the router (s3rver's last middleware), after logging, XML rendering and the virtual-host rewrite.
  app.middleware.splice(app.middleware.length - 1, 0, middleware);
  if (options.deliverEvents) {
    (s3rver as EventEmitter).on('event', (raw: S3Event) => {
      store.deliver({ Records: (raw.Records ?? []).map((r) => ({ ...r, eventVersion: '2.1', s3: { ...r.s3, object: { ...r.s3.object, key: encodeS3EventKey(r.s3.object.key) } } })) });
    });
  }
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
