/**
 * Security properties, as tests.
 *  - The token never appears in a log line, an error message, an execution's input/output/error/cause/history, the
 *    ingestion table or the DLQ — here against an "Arthur" that echoes the Authorization header back in every
 *    answer (401, 400, 500, 207 results). Every other stack-backed file of this suite checks the same in afterAll.
 *  - A mapping cannot send the token to a host outside the allowlist, nor over http:// outside loopback: the
 *    admin API refuses such a mapping, and one written into the table by hand fails the file without a request.
 *  - Hostile keys (`../`, control characters, a 1,000-byte segment) neither crash the router nor escape the
 *    artifacts prefix.
 *  - IAM without wildcards and the artifacts bucket's public-access block and TLS-only policy are asserted on the
 *    packaged template by tests/deploy/template.test.ts ("grants no Action \"*\" …", "keeps the artifacts bucket
 *    private, encrypted, TLS-only and expiring"); they are not repeated here.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { S3Event } from 'aws-lambda';
import { Readable } from 'node:stream';
import { artifactBase, validateCapture, type ValidateDeps } from '../../functions/validate/validate-capture.js';
import { assertAllowedHost } from '../../src/arthur/host-policy.js';
import { CaptureGenerator } from '../../local/capture-generator.js';
import { objectCreatedEvent } from '../support/s3-event.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { captureKey, modelId, record, startReliabilityStack, type ReliabilityStack } from './support.js';

const TOKEN = 'sec-9f8e7d6c5b4a-arthur-token-DO-NOT-LEAK';
const ECHO = {
  auth: modelId(0x701),
  bad: modelId(0x702),
  down: modelId(0x703),
  partial: modelId(0x704),
};

let echo: ScriptedServer;
let elsewhere: ScriptedServer;
let r: ReliabilityStack;

beforeAll(async () => {
  // An Arthur that hands the Authorization header back in every answer, as some proxies and debug endpoints do.
  echo = await startScriptedServer(async (req, res) => {
    for await (const _ of req) {
      // read the body
    }
    const said = `you sent Authorization: ${req.headers.authorization}`;
    const model = /models\/([^/]+)\//.exec(req.url ?? '')?.[1];
    const [status, body] =
      model === ECHO.auth ? [401, { message: said }]
      : model === ECHO.bad ? [400, { detail: said, headers: req.headers }]
      : model === ECHO.down ? [500, `<html>${said}</html>`]
      : [207, { counts: { success: 0, failure: 1, total: 1 }, results: [{ partner_inference_id: 'x', message: said, status_code: 400 }] }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  elsewhere = await startScriptedServer((_req, res) => void res.writeHead(207).end('{}'));
  r = await startReliabilityStack({ arthurHost: echo.url, arthurToken: TOKEN });
});
afterAll(async () => {
  await r?.close();
  await Promise.all([echo?.close(), elsewhere?.close()]);
});

describe('the token', () => {
  it('appears in no log line, error, execution, ingestion item or DLQ entry, even when Arthur echoes it back', async () => {
    const gen = new CaptureGenerator({ seed: 71, mix: ['csv'] });
    for (const [i, model] of Object.values(ECHO).entries()) {
      await r.stack.putMapping(`sec/echo-${i}/`, model);
      await r.put(captureKey(`sec/echo-${i}/`, i), `${gen.line().text}\n`);
    }
    await r.stack.waitForIdle();
    const items = await r.ingestions();
    const statuses = [...items.values()].map((i) => i.status).sort();
    expect(statuses).toEqual(['FAILED', 'FAILED', 'FAILED', 'PARTIAL']);
    // Arthur really was sent the token (the echo holds it), and really echoed it.
    expect(echo.requests.every((q) => q.headers.authorization === TOKEN)).toBe(true);
    const causes = [...items.values()].map((i) => i.cause ?? '').join('\n');
    expect(causes).toContain('[redacted]');
    const found = (await r.findSecret(TOKEN)) ?? (JSON.stringify([...items.values()]).includes(TOKEN) ? 'the ingestions table' : undefined);
    expect(found).toBeUndefined();
    record('security: token in logs/errors/executions/items', { logLines: r.logs.length, executions: r.stack.sfn.executions().length, arthurRequests: echo.requests.length, found: found ?? null });
  });
});

describe('where the token may go', () => {
  it('the admin API refuses a mapping whose arthurHost is outside the allowlist or plain http off loopback', async () => {
    const put = (arthurHost: string) =>
      fetch(`${r.stack.endpoints.admin}/mappings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prefix: 'sec/evil/', modelId: modelId(0x710), arthurHost }),
      });
    for (const host of ['https://evil.example.com', 'http://evil.example.com', 'http://10.1.2.3', `http://localhost:${new URL(elsewhere.url).port}`, 'https://127.0.0.1.evil.example.com']) {
      const res = await put(host);
      expect({ host, status: res.status }).toEqual({ host, status: 400 });
    }
    expect((await put(echo.url)).status).toBeLessThan(300);
  });

  it('a mapping written into the table by hand with another host fails its files with ConfigurationError, no request made', async () => {
    const hosts = ['https://evil.example.com', `http://localhost:${new URL(elsewhere.url).port}`, 'http://10.1.2.3:80'];
    const gen = new CaptureGenerator({ seed: 72, mix: ['csv'] });
    const keys: string[] = [];
    for (const [i, arthurHost] of hosts.entries()) {
      await r.stack.putMapping(`sec/hand-${i}/`, modelId(0x720 + i), { arthurHost });
      const key = captureKey(`sec/hand-${i}/`, i);
      keys.push(key);
      await r.put(key, `${gen.line().text}\n`);
    }
    const before = echo.requests.length;
    await r.stack.waitForIdle();
    const items = await r.ingestions();
    for (const key of keys) expect(items.get(`${r.stack.captureBucket}/${key}`)).toMatchObject({ status: 'FAILED', error: 'ConfigurationError' });
    expect(elsewhere.requests).toHaveLength(0);
    expect(echo.requests.length).toBe(before);
    // http:// is refused off loopback even for an allowlisted host.
    expect(() => assertAllowedHost('http://app.arthur.ai', ['app.arthur.ai'])).toThrow(/plain http/);
    expect(() => assertAllowedHost('https://user:pw@app.arthur.ai', ['app.arthur.ai'])).toThrow(/credentials/);
    expect(assertAllowedHost('https://app.arthur.ai', ['app.arthur.ai']).hostname).toBe('app.arthur.ai');
  });
});

const HOSTILE_KEYS = [
  'sec/keys/../../../etc/passwd.jsonl',
  'sec/keys/AllTraffic/..%2F..%2Fescape.jsonl',
  'sec/keys/AllTraffic/./../x/../../up.jsonl',
  'sec/keys/ctl\u0000\u0001\u001f\u007f/x\r\ny\t.jsonl',
  `sec/keys/${'s'.repeat(1000)}.jsonl`,
  `sec/keys/${'é'.repeat(500)}/x.jsonl`,
  'sec/keys//double//slash/.jsonl',
];

describe('hostile keys', () => {
  it('the router routes each without crashing: one execution each, nothing in the DLQ, the file recorded', async () => {
    await r.stack.putMapping('sec/keys/', modelId(0x730));
    const before = r.stack.sfn.executions().length;
    for (const key of HOSTILE_KEYS) {
      const event: S3Event = objectCreatedEvent({ key, bucket: r.stack.captureBucket, size: 10, eTag: '0123456789abcdef0123456789abcdef' });
      r.stack.deliver(event);
    }
    await r.stack.waitForIdle();
    expect(r.stack.dlq).toEqual([]);
    const executions = r.stack.sfn.executions().slice(before);
    // '//' is collapsed by the router, so the double-slash key routes like its single-slash twin.
    expect(executions).toHaveLength(HOSTILE_KEYS.length);
    for (const e of executions) expect(e.name).toMatch(/^[A-Za-z0-9_.=-]{1,80}$/);
    // The objects do not exist: each execution ends FAILED (CaptureUnreadableError), recorded, not lost.
    const items = await r.ingestions();
    // (s3rver keeps objects as files: for a key its filesystem cannot hold it answers 500, which ends as
    // StorageUnavailableError after the retries; S3 itself answers NoSuchKey.)
    const errors = executions.map((e) => {
      const key = JSON.parse(e.input).key as string;
      return [key.slice(0, 60), items.get(`${r.stack.captureBucket}/${key}`)?.error];
    });
    for (const [, error] of errors) expect(['CaptureUnreadableError', 'StorageUnavailableError']).toContain(error);
    record('security: hostile keys through the router', { keys: HOSTILE_KEYS.length, executions: executions.length, dlq: 0, errors });
  });

  it('their artifacts (parts and quarantine) stay under captures/{model}/ with no .. segment, no control character, ≤ 1,024 bytes', async () => {
    const gen = new CaptureGenerator({ seed: 73, mix: ['csv', 'b64csv', 'xml'] });
    const body = `${Array.from({ length: 30 }, () => gen.line().text).join('\n')}\n`;
    const written: string[] = [];
    const deps: ValidateDeps = {
      openObject: async () => ({ body: Readable.from([body]) }),
      putArtifact: async (key: string) => void written.push(key),
      artifactsBucket: 'artifacts',
      limits: { maxBytes: 4096, maxRecords: 5 },
    };
    const model = modelId(0x731);
    for (const key of HOSTILE_KEYS) {
      const result = await validateCapture({ bucket: 'datacapture', key, size: body.length, modelId: model, mappingPrefix: 'sec/keys/', etag: '"e"' }, deps);
      expect(result.parts.length).toBeGreaterThan(1);
      expect(result.quarantineKey).toBeDefined();
    }
    for (const key of [...written, ...HOSTILE_KEYS.map((k) => artifactBase({ bucket: 'b', key: k, modelId: '../../x', etag: 'e' }))]) {
      expect(key.startsWith('captures/')).toBe(true);
      expect(key.split('/')).not.toContain('..');
      expect(key).not.toMatch(/\p{Cc}/u);
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
    }
    expect(written.every((k) => k.startsWith(`captures/${model}/`))).toBe(true);
    record('security: hostile keys → artifact keys', { keys: HOSTILE_KEYS.length, artifacts: written.length, escaped: 0 });
  });
});
