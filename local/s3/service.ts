/** S3 of the local stack: s3rver with atomic puts, its buckets, and the capture bucket's notification (docs/LOCAL.md). */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import S3rver from 's3rver';
import type { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver signs its listing continuation tokens with single DES, which OpenSSL 3 no longer offers by default.
import '../s3rver-des-shim.js';
import '../s3rver-any-credentials.js';
import { localS3Client } from '../clients.js';
import type { Closers } from '../closers.js';
import { ignoreExisting } from '../ignore-existing.js';
import { LOOPBACK } from '../net.js';
import { makePutsAtomic } from './atomic-put.js';
import { bucketWideRule } from '../../src/onboarding/notification-rules.js';
import { createNotificationStore, installNotificationConfiguration, type NotificationStore } from './notification-configuration.js';
import { asRealS3Record } from './notifications.js';
import { countRequests, type RequestCounter, s3RequestLabel } from '../request-counter.js';

export interface S3ServiceOptions {
  port: number;
  /** Objects are kept in `<dataDir>/s3`; absent: a temporary directory removed on close. */
  dataDir?: string;
  buckets: string[];
  /** The bucket the deploy puts the router's rule on: bucket-wide, s3:ObjectCreated:*, suffix .jsonl. */
  captureBucket: string;
  /** The router function's ARN, the target of that rule (what `onCapture` receives). */
  routerArn: string;
}

export interface S3Service {
  endpoint: string;
  client: S3Client;
  /**
   * The buckets' notification configurations (Get/PutBucketNotificationConfiguration, S3's overlap rule): events
   * go only where the rules say; `deliveries` records each, also those to functions the stack does not run.
   */
  notifications: NotificationStore;
  /** Calls `listener` with each event the rules send the router, until close. */
  onCapture(listener: (event: S3Event) => void): void;
  /** Requests received, as `METHOD bucket` (LIST for a listing). */
  requests: RequestCounter;
}

export async function startS3Service(options: S3ServiceOptions, closers: Closers): Promise<S3Service> {
  const directory = options.dataDir ? join(options.dataDir, 's3') : mkdtempSync(join(tmpdir(), 'capture-router-s3-'));
  if (options.dataDir) mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({ port: options.port, address: LOOPBACK, silent: true, directory, resetOnClose: !options.dataDir });
  makePutsAtomic(s3rver);
  // As the deploy leaves the capture bucket: the router's one rule. The artifacts bucket has none (its parts are
  // .jsonl too and must never be routed).
  const notifications = createNotificationStore({ defaultConfig: { [options.captureBucket]: { LambdaFunctionConfigurations: [bucketWideRule(options.routerArn)] } } });
  installNotificationConfiguration(s3rver, notifications);
  const { port } = await s3rver.run();
  closers.add(async () => {
    // Idle keep-alive connections (the AWS CLI leaves some) would hold close() for seconds.
    (s3rver as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
    await s3rver.close();
    if (!options.dataDir) rmSync(directory, { recursive: true, force: true });
  });
  const requests = countRequests((s3rver as unknown as { httpServer: Server }).httpServer, s3RequestLabel);
  const endpoint = `http://${LOOPBACK}:${port}`;
  const client = localS3Client(endpoint);
  closers.add(() => client.destroy());
  for (const bucket of options.buckets) {
    await ignoreExisting(() => client.send(new CreateBucketCommand({ Bucket: bucket })), ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);
  }
  const emitter = s3rver as unknown as EventEmitter;
  return {
    endpoint,
    client,
    notifications,
    requests,
    onCapture(listener) {
      let closed = false;
      notifications.setTarget(options.routerArn, (event) => {
        if (!closed) listener(event);
      });
      const onEvent = (raw: S3Event) => {
        if (!closed) notifications.deliver({ Records: (raw.Records ?? []).map(asRealS3Record) });
      };
      emitter.on('event', onEvent);
      closers.add(() => {
        closed = true;
        emitter.off('event', onEvent);
      });
    },
  };
}
