/**
 * Counts the HTTP requests an emulator receives, by a label of each (S3: method and bucket; DynamoDB: the
 * operation), so a benchmark can price what the pipeline asks of storage (bench/cost.ts).
 */
import type { IncomingMessage, Server } from 'node:http';

export interface RequestCounter {
  /** Requests by label since the start or the last reset. */
  counts(): Record<string, number>;
  reset(): void;
}

/** @example countRequests(server, (req) => req.method ?? '?').counts(); // { GET: 12, PUT: 3 } */
export function countRequests(server: Server, label: (req: IncomingMessage) => string): RequestCounter {
  let counts: Record<string, number> = {};
  server.on('request', (req: IncomingMessage) => {
    const key = label(req);
    counts[key] = (counts[key] ?? 0) + 1;
  });
  return {
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
  };
}

/** An S3 request as `METHOD bucket` (path-style addressing, as the local clients use). */
export function s3RequestLabel(req: IncomingMessage): string {
  const bucket = (req.url ?? '/').split('?')[0]!.split('/')[1] ?? '';
  const list = req.method === 'GET' && /[?&](list-type|prefix|delimiter)=/.test(req.url ?? '') && !(req.url ?? '').split('?')[0]!.slice(1).includes('/');
  return `${list ? 'LIST' : req.method} ${bucket}`;
}

/** A DynamoDB request as its operation (`DynamoDB_20120810.PutItem` → `PutItem`). */
export function dynamoDbRequestLabel(req: IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.slice(target.indexOf('.') + 1) || '?';
}
