/**
 * Router resolution benchmark: resolves capture keys over many mappings against dynalite (real DynamoDBClient,
 * real HTTP), once with the per-prefix TTL cache and once without it (the same-run baseline), and prints keys/s
 * and DynamoDB round trips per key. Prints figures only; it never passes or fails on time.
 *
 *   npm run bench:router -- [--keys 100000] [--mappings 1000] [--baseline-keys 5000] [--hours 1]
 *
 * --hours spreads each endpoint's files over that many hour folders (SageMaker starts a new yyyy/mm/dd/hh/
 * folder every hour, and each new folder is one more BatchGetItem per endpoint).
 */
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { DynamoDbMappingStore } from '../src/aws/dynamodb-mapping-store.js';
import { MappingResolver } from '../src/routing/mapping-resolver.js';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '100000' },
    mappings: { type: 'string', default: '1000' },
    'baseline-keys': { type: 'string', default: '5000' },
    hours: { type: 'string', default: '1' },
  },
});
const KEYS = positive('keys');
const MAPPINGS = positive('mappings');
const BASELINE_KEYS = Math.min(positive('baseline-keys'), KEYS);
const HOURS = Math.min(positive('hours'), 24);
const TABLE = 'bench-mappings';

function positive(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
}

/** A small deterministic PRNG (mulberry32), so every run shuffles the keys the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const endpoint = (i: number) => `endpoint-${String(i).padStart(5, '0')}`;

function makeKeys(): Array<{ key: string; prefix: string }> {
  const random = prng(42);
  const keys: Array<{ key: string; prefix: string }> = [];
  for (let i = 0; i < KEYS; i += 1) {
    const e = i % MAPPINGS;
    const hour = String((13 + (Math.floor(i / MAPPINGS) % HOURS)) % 24).padStart(2, '0');
    const uuid = createHash('md5').update(String(i)).digest('hex');
    keys.push({
      key: `captures/${endpoint(e)}/AllTraffic/2024/05/01/${hour}/${String(i % 60).padStart(2, '0')}-31-123-${uuid}.jsonl`,
      prefix: `captures/${endpoint(e)}/`,
    });
  }
  // Interleaved as real traffic is: files of all endpoints arrive mixed.
  for (let i = keys.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  return keys;
}

async function main(): Promise<void> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let batchGets = 0;
  server.on('request', (req) => {
    if (req.headers['x-amz-target'] === 'DynamoDB_20120810.BatchGetItem') batchGets += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });

  try {
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'prefix', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'prefix', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const now = new Date().toISOString();
    for (let i = 0; i < MAPPINGS; i += 25) {
      const requests = [];
      for (let j = i; j < Math.min(i + 25, MAPPINGS); j += 1) {
        requests.push({
          PutRequest: {
            Item: {
              prefix: { S: `captures/${endpoint(j)}/` },
              modelId: { S: `model-${j}` },
              enabled: { BOOL: true },
              createdAt: { S: now },
              updatedAt: { S: now },
              version: { N: '1' },
            },
          },
        });
      }
      await client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests } }));
    }

    const keys = makeKeys();
    const store = new DynamoDbMappingStore(client, TABLE);
    const fetch = (prefixes: readonly string[]) => store.getMappings(prefixes);

    const run = async (label: string, resolver: MappingResolver, sample: typeof keys) => {
      batchGets = 0;
      let wrong = 0;
      const started = process.hrtime.bigint();
      for (const { key, prefix } of sample) {
        const { match } = await resolver.resolve(key);
        if (match?.prefix !== prefix) wrong += 1;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const row = {
        run: label,
        keys: sample.length,
        seconds: seconds.toFixed(2),
        'keys/s': Math.round(sample.length / seconds).toLocaleString('en-US'),
        BatchGetItem: batchGets,
        'calls/key': (batchGets / sample.length).toFixed(4),
        misrouted: wrong,
      };
      console.log(JSON.stringify(row));
      return row;
    };

    console.log(
      `router bench: ${KEYS.toLocaleString('en-US')} keys over ${MAPPINGS.toLocaleString('en-US')} mappings, ` +
        `${HOURS} hour folder(s) per endpoint, dynalite in-process, Node ${process.version}`,
    );
    // Warm the HTTP connection and the JIT so neither run pays for it.
    await new MappingResolver(fetch, { ttlMs: 0 }).resolve('warmup/a/b.jsonl');

    const cached = await run('cache (TTL 60 s)', new MappingResolver(fetch, { ttlMs: 60_000 }), keys);
    const baseline = await run('no cache (baseline)', new MappingResolver(fetch, { ttlMs: 0 }), keys.slice(0, BASELINE_KEYS));

    const speedup = Number(cached['keys/s'].replace(/,/g, '')) / Number(baseline['keys/s'].replace(/,/g, ''));
    console.log(
      `with cache: ${cached['calls/key']} DynamoDB calls per key (target ≤ 0.01), ${cached['keys/s']} keys/s; ` +
        `without: ${baseline['calls/key']} calls per key, ${baseline['keys/s']} keys/s (first ${BASELINE_KEYS.toLocaleString('en-US')} keys); ` +
        `×${speedup.toFixed(0)} throughput`,
    );
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

await main();
