/**
 * A test-local S3 that has bucket notifications: s3rver with the notification store installed (until the local
 * stack runs the store itself). Optionally shares its directory with the local stack's s3rver, so objects put
 * here are the stack's objects too, and the router's rule hands its events to the stack's router.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import '../../local/s3rver-any-credentials.js';
import '../../local/s3rver-des-shim.js';
import { createNotificationStore, installNotificationConfiguration, type NotificationStore, type NotificationStoreOptions } from '../../local/s3/notification-configuration.js';

export interface NotifyingS3 {
  endpoint: string;
  store: NotificationStore;
  client(): S3Client;
  close(): Promise<void>;
}

export async function startNotifyingS3(options: NotificationStoreOptions & { buckets?: string[]; directory?: string } = {}): Promise<NotifyingS3> {
  const own = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'notifying-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, resetOnClose: false });
  const store = createNotificationStore(options);
  installNotificationConfiguration(server, store, { deliverEvents: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = () => {
    const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  for (const bucket of options.buckets ?? []) {
    try {
      await client().send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
    }
  }
  return {
    endpoint,
    store,
    client,
    async close() {
      for (const c of clients) c.destroy();
      (server as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
      await server.close();
      if (own) rmSync(directory, { recursive: true, force: true });
    },
  };
}
