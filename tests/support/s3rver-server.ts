/**
 * s3rver on a free port in a fresh temporary directory, with the client settings it needs (local/clients.ts).
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { localS3Client } from '../../local/clients.js';

export interface S3rverServer {
  endpoint: string;
  /** A real S3Client for this server. */
  client(config?: S3ClientConfig): S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function startS3rver(): Promise<S3rverServer> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, resetOnClose: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = (config: S3ClientConfig = {}): S3Client => {
    const created = localS3Client(endpoint, config);
    clients.push(created);
    return created;
  };
  const admin = client();
  return {
    endpoint,
    client,
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
