/**
 * Shared pieces of the reliability suite (tests/reliability, issue #6): a local stack whose every log line is kept,
 * the ingestion ledger read back from the table, and a place where each test writes the figures it measured
 * (docs/RELIABILITY.md quotes them).
 *
 * Sizes: the default is what `npm test` runs (the whole directory in well under a minute on 2 cores);
 * `SOAK=1` (npm run soak) switches to the large sizes.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestionItem } from '../../src/contracts.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack.js';

export const SOAK = process.env.SOAK === '1';
/** One line of JSON per measured figure, appended by every test run. */
export const RESULTS_FILE = process.env.RELIABILITY_RESULTS ?? join(tmpdir(), 'capture-router-reliability.jsonl');

export function record(scenario: string, figures: Record<string, unknown>): void {
  mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify({ at: new Date().toISOString(), soak: SOAK, scenario, ...figures })}\n`);
}

export interface ReliabilityStack {
  stack: LocalStack;
  /** Every log line the router and UploadPart wrote. */
  logs: string[];
  s3: S3Client;
  dynamodb: DynamoDBClient;
  put(key: string, body: string | Buffer): Promise<void>;
  /** Every item of the ingestions table, by object key (`{bucket}/{key}`). */
  ingestions(): Promise<Map<string, IngestionItem>>;
  /**
   * Where `secret` appears among the texts a person or a log store can see — logs, DLQ, router summaries, each
   * execution's input, output, error, cause and history — or undefined. Searched piece by piece: at soak sizes
   * the whole would exceed the longest string V8 can build.
   */
  findSecret(secret: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function startReliabilityStack(options: Partial<LocalStackOptions> = {}): Promise<ReliabilityStack> {
  const logs: string[] = [];
  const stack = await startLocalStack({
    portBase: 0,
    retryIntervalMs: 0,
    routerRetryDelaysMs: [5, 5],
    log: (line) => void logs.push(line),
    ...options,
  });
  const credentials = { accessKeyId: stack.env.AWS_ACCESS_KEY_ID!, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY! };
  const s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials, maxAttempts: 5 });
  const dynamodb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials });
  return {
    stack,
    logs,
    s3,
    dynamodb,
    put: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body }));
    },
    ingestions: async () => {
      const out = new Map<string, IngestionItem>();
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(new ScanCommand({ TableName: stack.ingestionsTable, ExclusiveStartKey: start, ConsistentRead: true }));
        for (const raw of page.Items ?? []) {
          const item = unmarshall(raw) as IngestionItem;
          out.set(item.objectKey, item);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
    findSecret: async (secret) => {
      for (const [i, line] of logs.entries()) if (line.includes(secret)) return `log line ${i}: ${line.slice(0, 300)}`;
      if (JSON.stringify(stack.dlq).includes(secret)) return 'the DLQ';
      if (JSON.stringify(stack.routed).includes(secret)) return 'the router summaries';
      for (const e of stack.sfn.executions()) {
        const pieces = [e.input, JSON.stringify({ error: e.run?.error, cause: e.run?.cause, output: e.run?.output }), JSON.stringify(e.run?.events ?? [])];
        if (pieces.some((piece) => piece.includes(secret))) return `execution ${e.name}`;
      }
      return undefined;
    },
    close: async () => {
      s3.destroy();
      dynamodb.destroy();
      await stack.close();
    },
  };
}

/** How many UploadPart attempts Arthur saw for one model. */
export function attempts(stack: LocalStack, modelId: string): number {
  return stack.receiver!.stats().uploads[modelId.toLowerCase()] ?? 0;
}

/** A fresh model ID per scenario, so that Arthur's counters never mix two scenarios. */
export function modelId(n: number): string {
  return `0000${n.toString(16).padStart(4, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Samples the process's RSS while `work` runs. */
export async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

/** A capture key as SageMaker writes it, under `prefix`. */
export function captureKey(prefix: string, i: number): string {
  const mm = String(Math.floor(i / 1000) % 60).padStart(2, '0');
  const ss = String(i % 60).padStart(2, '0');
  return `${prefix}AllTraffic/2026/11/25/10/${mm}-${ss}-${String(i % 1000).padStart(3, '0')}-${i.toString(16).padStart(8, '0')}.jsonl`;
}
