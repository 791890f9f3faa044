/**
 * The demo's ground-truth step (docs/ground-truth.md): a ground-truth mapping for one model, then one Model Monitor
 * label file under it with a single-row record, a two-row record and a record for an inference never captured.
 * The receiver then holds exactly the labels of the captured partner IDs, and the file is recorded PARTIAL naming
 * the refused one.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalStack } from '../local/stack.js';
import type { Io } from './io.js';
import { readPartOutcomes } from '../src/aws/part-manifest-store.js';

export const NEVER_CAPTURED = 'never-captured-demo-0001';

const label = (data: string, eventId: string) => JSON.stringify({ groundTruthData: { data, encoding: 'CSV' }, eventMetadata: { eventId }, eventVersion: '0' });

/**
 * Registers `labels/{endpoint}/` for the model as ground truth of `label`, writes the label file for `hour`, waits,
 * and prints what Arthur holds. `capturedIds`: the partner IDs the model's captures delivered. True when the
 * receiver holds exactly the expected labels and the record is PARTIAL naming NEVER_CAPTURED.
 */
export async function demoGroundTruth(
  stack: LocalStack,
  clients: { s3: S3Client; dynamodb: DynamoDBClient },
  io: Io,
  model: { name: string; modelId: string; endpoint: string },
  capturedIds: readonly string[],
  hour: string,
): Promise<boolean> {
  const prefix = `labels/${model.endpoint}/`;
  await stack.putMapping(prefix, model.modelId, { kind: 'groundTruth', groundTruthAttributes: ['label'], description: `demo: ${model.name} ground truth` });
  io.out(`\nGround truth: mapping ${prefix} → model ${model.name} (kind groundTruth, attribute label)`);
  io.out(`  (the CLI equivalent: capture-router mappings put ${prefix} ${model.modelId} --ground-truth label)`);
  const single = capturedIds.find((id) => !/_\d+$/.test(id));
  const bases = new Map<string, number>();
  for (const id of capturedIds) {
    const base = /^(.*)_\d+$/.exec(id)?.[1];
    if (base !== undefined) bases.set(base, (bases.get(base) ?? 0) + 1);
  }
  // A two-row record when the captures have a two-inference one, else the first multi-inference record.
  const multi = [...bases].find(([, n]) => n === 2) ?? [...bases][0];
  if (!single || !multi) {
    io.err('demo: the captures hold no single-inference or no multi-inference record to label');
    return false;
  }
  const [base, rows] = multi;
  const rowsText = Array.from({ length: rows }, (_, i) => String(i % 2)).join('\n');
  const key = `${prefix}${hour}/labels.jsonl`;
  const body = `${[label('1', single), label(rowsText, base), label('0', NEVER_CAPTURED)].join('\n')}\n`;
  await clients.s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: key, Body: body, ContentType: 'application/jsonl' }));
  await stack.waitForIdle();

  const expected = [single, ...Array.from({ length: rows }, (_, i) => `${base}_${i}`)].sort();
  const held = (stack.receiver?.groundTruth(model.modelId) ?? []).map((g) => g.partnerInferenceId).sort();
  const out = await clients.dynamodb.send(new GetItemCommand({ TableName: stack.ingestionsTable, Key: { objectKey: { S: `${stack.captureBucket}/${key}` } } }));
  const item = out.Item ? unmarshall(out.Item) : undefined;
  // Arthur's refusals are in each part's outcome beside the part manifest; the record keeps their counts.
  const outcomes = item?.manifestKey ? await readPartOutcomes(clients.s3, { bucket: item.manifestBucket, key: item.manifestKey }, Number(item.partCount ?? 0)) : [];
  const refused = outcomes.flatMap((o) => ('outcome' in o ? o.outcome.refused.ids : []));
  io.out(`  put ${key}: a single-row record, a ${rows}-row record and one for an inference never captured`);
  io.out(`  ingestion record: ${String(item?.status ?? 'MISSING')}, refused ${refused.length ? refused.join(', ') : 'none'}`);
  io.out(`  Arthur holds ground truth for ${held.length} partner IDs (${expected.length} expected): ${held.join(', ')}`);
  io.out(`  curl ${stack.endpoints.arthur}/__ground_truth?model=${model.modelId}`);
  return item?.status === 'PARTIAL' && refused.join() === NEVER_CAPTURED && held.join('\n') === expected.join('\n');
}
