import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../../cli/main.js';
import type { Io } from '../../../cli/io.js';
import { BUCKET, MODEL_A, MODEL_B, startAdminHarness, type AdminHarness } from '../../support/admin-harness.js';
import { captureKey } from '../../support/s3-event.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

function bufferIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l), isTty: false };
}

async function run(...argv: string[]) {
  const io = bufferIo();
  const code = await main([...argv, '--endpoint', h.url], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), lines: io.stdout };
}

describe('capture-router mappings against the local admin API', () => {
  it('puts, gets, lists, resolves and deletes a mapping, in words by default', async () => {
    await h.store.putMapping({ prefix: 'captures/', modelId: MODEL_B });

    const put = await run('mappings', 'put', 'captures//fraud', MODEL_A, '--description', 'fraud model');
    expect(put).toMatchObject({ code: 0 });
    expect(put.lines[0]).toBe(`created captures/fraud/ → model ${MODEL_A}, enabled, version 1, "fraud model"`);
    expect(put.out).toContain(`takes over from captures/ (model ${MODEL_B}) the keys under captures/fraud/`);

    const got = await run('mappings', 'get', 'captures/fraud/');
    expect(got.code).toBe(0);
    expect(got.out).toMatch(/^captures\/fraud\/ → model .*, enabled, version 1/);

    const listed = await run('mappings', 'list', '--limit', '1');
    expect(listed.lines.map((l) => l.split(' ')[0])).toEqual(['captures/', 'captures/fraud/']); // followed every page

    const resolved = await run('mappings', 'resolve', 'captures/fraud/AllTraffic/2024/05/01/13/x.jsonl');
    expect(resolved.out).toContain('decision   the router starts an execution');
    expect(resolved.out).toMatch(/execution {2}fraud-AllTraffic-x-[0-9a-f]{24} \(object not found: named without an ETag\)/);

    expect((await run('mappings', 'delete', 'captures/fraud/')).code).toBe(0);
    const missing = await run('mappings', 'get', 'captures/fraud/');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('404 no mapping for prefix "captures/fraud/" (rule: not-found)');
  });

  it('prints the API’s JSON with --json, the error body included, and exits 1 on a refusal', async () => {
    const ok = await run('mappings', 'put', 'a/', MODEL_A, '--json');
    expect(JSON.parse(ok.out).mapping).toMatchObject({ prefix: 'a/', version: 1 });

    const refused = await run('mappings', 'put', 'a/../b/', 'not-a-uuid', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out).error).toMatchObject({ status: 400 });
    expect(refused.err).toMatch(/^capture-router: 400 /);

    const conflict = await run('mappings', 'put', 'a/', MODEL_B, '--if-match', '7');
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain('412 mapping a/ is no longer at version 7');
  });

  it('answers a usage error with exit code 2', async () => {
    const io = bufferIo();
    expect(await main(['mappings', 'put', 'only-a-prefix', '--endpoint', h.url], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('mappings put takes PREFIX MODEL_ID');
    expect(await main(['mappings', 'frobnicate'], bufferIo())).toBe(2);
  });
});

describe('capture-router replay against the local admin API', () => {
  it('follows continuation tokens to the end and sums the pages', async () => {
    await h.store.putMapping({ prefix: 'captures/churn/', modelId: MODEL_A });
    for (let n = 0; n < 25; n += 1) await h.s3.put(BUCKET, captureKey('captures', 'churn', n), `{"n":${n}}\n`);

    const first = await run('replay', 'captures/churn/', '--limit', '10');
    expect(first.code).toBe(0);
    expect(first.out).toBe('captures/churn/: listed 25, started 25, already delivered 0, unrouted 0, disabled 0, not .jsonl 0');
    // One progress line per page as it runs, with the running totals.
    expect(first.err.split('\n')).toEqual([
      'page 1: listed 10, started 10, skipped 0 already delivered (so far: 10 listed, 10 started)',
      'page 2: listed 10, started 10, skipped 0 already delivered (so far: 20 listed, 20 started)',
      'page 3: listed 5, started 5, skipped 0 already delivered (so far: 25 listed, 25 started)',
    ]);

    const quiet = await run('replay', 'captures/churn/', '--limit', '10', '--quiet');
    expect(quiet.err).toBe('');
    expect(quiet.out).toBe('captures/churn/: listed 25, started 0, already delivered 25, unrouted 0, disabled 0, not .jsonl 0');

    const again = await run('replay', 'captures/churn/', '--json');
    const pages = again.lines.map((l) => JSON.parse(l));
    expect(pages).toEqual([expect.objectContaining({ listed: 25, started: 0, alreadyDelivered: 25 })]);
  });
});

describe('talking to AWS', () => {
  let server: Server;
  let seen: Array<{ url: string; headers: IncomingHttpHeaders }>;
  let url: string;
  const saved = { ...process.env };
  beforeEach(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if ((req.url ?? '').includes('Action=DescribeStacks')) {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(`<DescribeStacksResponse><DescribeStacksResult><Stacks><member><Outputs>
          <member><OutputKey>MappingsTableName</OutputKey><OutputValue>t</OutputValue></member>
          <member><OutputKey>HttpApiUrl</OutputKey><OutputValue>${h.url}</OutputValue></member>
        </Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_REGION: 'eu-west-1' });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
  });
  afterEach(async () => {
    process.env = { ...saved };
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('signs requests with SigV4 for execute-api with the default credential chain', async () => {
    const io = bufferIo();
    expect(await main(['mappings', 'list', '--endpoint', url, '--sigv4', '--region', 'eu-west-1'], io)).toBe(0);
    const [request] = seen;
    expect(request!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('finds the API URL in the stack outputs (HttpApiUrl) when no --endpoint is given', async () => {
    const io = bufferIo();
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = url;
    delete process.env.CAPTURE_ROUTER_API_URL;
    await h.store.putMapping({ prefix: 'from-stack/', modelId: MODEL_A });
    expect(await main(['mappings', 'list', '--stack', 'capture-router-prod'], io)).toBe(0);
    expect(seen[0]!.url).toContain('Action=DescribeStacks&StackName=capture-router-prod');
    expect(seen[0]!.headers.authorization).toMatch(/\/eu-west-1\/cloudformation\/aws4_request/);
    expect(io.stdout.join('\n')).toContain(`from-stack/ → model ${MODEL_A}`);
  });

  it('with nothing configured, exits 2 naming --endpoint and --stack instead of a credentials error', async () => {
    const io = bufferIo();
    const saved = process.env;
    process.env = { PATH: saved.PATH, HOME: saved.HOME };
    try {
      expect(await main(['mappings', 'list'], io)).toBe(2);
    } finally {
      process.env = saved;
    }
    const text = io.stderr.join('\n');
    expect(text).toContain('--endpoint');
    expect(text).toContain('--stack NAME');
    expect(text).not.toMatch(/credentials|Could not load/i);
  });
});
