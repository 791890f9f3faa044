import type { S3Client } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { HttpArthurApi, type ArthurApi, assertModelId } from '../src/arthur/index.js';
import { S3CaptureLister } from '../src/aws/capture-lister.js';
import { createObjectSource, type OpenObject } from '../src/aws/object-source.js';
import { checkCaptureFile } from '../src/capture/index.js';
import { operatorS3Client } from './s3-client.js';
import { UsageError, type Io } from './io.js';

const HELP = `usage: capture-router verify s3://BUCKET/KEY… --model ID [options]
       capture-router verify --prefix s3://BUCKET/PREFIX [--sample N] --model ID [options]

Closes the loop a 207 leaves open: Arthur's 207 is "an initial validation"; it ingests asynchronously and emails
what it drops. For each file, computes the partner inference IDs it holds (the same rules as validate and the
upload) and asks Arthur's inference lookup which of them Arthur has; reports the missing ones.

  --model ID            the Arthur model (UUID) the files were sent to
  --arthur-host URL     default $ARTHUR_HOST
  --arthur-token-env V  the variable holding the Arthur token (default ARTHUR_TOKEN); never on the command line
  --arthur-org-id ID    sent as Arthur-Organization-ID (default $ARTHUR_ORGANIZATION_ID)
  --prefix s3://B/P     verify a sample of the .jsonl objects under P instead of named files
  --sample N            how many objects of the prefix (default 10), drawn at random
  --json                one JSON object per file: {file, inferences, present, missing, lookup}
Uses the default AWS credential chain and AWS_ENDPOINT_URL_S3 (path-style addressing when it is set).
Exit code: 0 every inference is in Arthur, 1 some are missing, 2 usage error, unreadable file or no lookup.`;

/** Missing IDs printed per file (--json lists them all). */
const MISSING_SHOWN = 20;

export interface VerifyDeps {
  s3?: S3Client;
  arthur?: ArthurApi;
  env?: NodeJS.ProcessEnv;
  random?: () => number;
}

interface VerifyArgs {
  files: Array<{ bucket: string; key: string }>;
  prefix?: { bucket: string; key: string };
  sample: number;
  modelId: string;
  host: string;
  token: string;
  organizationId?: string;
  json: boolean;
}

/** `capture-router verify`: which of a file's partner IDs Arthur holds. */
export async function runVerify(argv: string[], io: Io, deps: VerifyDeps = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  const args = readArgs(argv, deps.env ?? process.env);
  const s3 = deps.s3 ?? operatorS3Client(deps.env ?? process.env);
  const arthur = deps.arthur ?? new HttpArthurApi();
  const files = args.prefix ? await sampleOf(new S3CaptureLister(s3, args.prefix.bucket), args.prefix.key, args.sample, deps.random ?? Math.random) : args.files;
  if (files.length === 0) throw new UsageError(`verify: no .jsonl object under s3://${args.prefix?.bucket}/${args.prefix?.key}`);
  const open = createObjectSource(s3);
  let exit = 0;
  for (const file of files) exit = Math.max(exit, await verifyOne(file, args, open, arthur, io));
  if (!deps.arthur) (arthur as HttpArthurApi).close();
  if (!deps.s3) s3.destroy();
  return exit;
}

async function verifyOne(file: { bucket: string; key: string }, args: VerifyArgs, open: OpenObject, arthur: ArthurApi, io: Io): Promise<number> {
  const name = `s3://${file.bucket}/${file.key}`;
  let ids: string[];
  try {
    const { body } = await open(file);
    ids = (await checkCaptureFile(body, { collectPartnerIds: true })).partnerInferenceIds ?? [];
  } catch (err) {
    io.err(`capture-router: cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const lookup = await arthur.lookupInferences({
    host: args.host, modelId: args.modelId, token: args.token, organizationId: args.organizationId, partnerInferenceIds: ids, timeoutMs: 300_000,
  });
  if (lookup.status !== 'ok') {
    io.err(`capture-router: ${name}: cannot tell which inferences Arthur holds: ${lookup.status}: ${lookup.detail}`);
    return 2;
  }
  const missing = ids.filter((id) => !lookup.held.has(id));
  const present = ids.length - missing.length;
  if (args.json) io.out(JSON.stringify({ file: name, inferences: ids.length, present, missing, lookup: 'ok' }));
  else if (missing.length === 0) io.out(`${name}: all ${ids.length} inferences are in Arthur`);
  else {
    const shown = missing.slice(0, MISSING_SHOWN).join(', ');
    io.out(`${name}: ${missing.length} of ${ids.length} inferences are NOT in Arthur: ${shown}${missing.length > MISSING_SHOWN ? ', …' : ''}`);
  }
  return missing.length === 0 ? 0 : 1;
}

const OPTIONS = {
  model: { type: 'string' },
  'arthur-host': { type: 'string' },
  'arthur-token-env': { type: 'string' },
  'arthur-org-id': { type: 'string' },
  prefix: { type: 'string' },
  sample: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError(`verify: ${(err as Error).message}\n\n${HELP}`);
  }
}

function readArgs(argv: string[], env: NodeJS.ProcessEnv): VerifyArgs {
  const parsed = parse(argv);
  const { values, positionals } = parsed;
  if (!values.model) throw new UsageError(`verify: --model ID is required\n\n${HELP}`);
  let modelId: string;
  try {
    modelId = assertModelId(values.model);
  } catch (err) {
    throw new UsageError(`verify: ${(err as Error).message}`);
  }
  if ((positionals.length === 0) === (values.prefix === undefined)) throw new UsageError(`verify: name s3:// files or one --prefix, not both or neither\n\n${HELP}`);
  const host = values['arthur-host'] ?? env.ARTHUR_HOST;
  if (!host) throw new UsageError('verify: no Arthur host: pass --arthur-host URL or set ARTHUR_HOST');
  const tokenVar = values['arthur-token-env'] ?? 'ARTHUR_TOKEN';
  const token = env[tokenVar];
  if (!token) throw new UsageError(`verify: the environment variable ${tokenVar} (the Arthur token) is not set or empty`);
  const sample = values.sample === undefined ? 10 : Number(values.sample);
  if (!Number.isInteger(sample) || sample < 1 || sample > 10_000) throw new UsageError(`verify: --sample must be a whole number from 1 to 10,000, got "${values.sample}"`);
  return {
    files: positionals.map(s3Url),
    prefix: values.prefix === undefined ? undefined : s3Url(values.prefix),
    sample,
    modelId,
    host,
    token,
    organizationId: values['arthur-org-id'] ?? (env.ARTHUR_ORGANIZATION_ID || undefined),
    json: Boolean(values.json),
  };
}

function s3Url(text: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(text);
  if (!match) throw new UsageError(`verify: "${text}" is not an s3://BUCKET/KEY address`);
  return { bucket: match[1]!, key: match[2]! };
}

/** A uniform sample of the .jsonl objects under the prefix (reservoir sampling over at most 100 pages). */
async function sampleOf(lister: S3CaptureLister, prefix: string, n: number, random: () => number): Promise<Array<{ bucket: string; key: string }>> {
  const picked: string[] = [];
  let seen = 0;
  let continuationToken: string | undefined;
  for (let page = 0; page < 100; page++) {
    const listing = await lister.list({ prefix, continuationToken });
    for (const object of listing.objects) {
      if (!object.key.endsWith('.jsonl')) continue;
      seen++;
      if (picked.length < n) picked.push(object.key);
      else {
        const slot = Math.floor(random() * seen);
        if (slot < n) picked[slot] = object.key;
      }
    }
    continuationToken = listing.continuationToken;
    if (!continuationToken) break;
  }
  return picked.sort().map((key) => ({ bucket: lister.bucket, key }));
}
