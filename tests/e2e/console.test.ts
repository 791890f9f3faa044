/**
 * The local console in headless Chromium: the page loads, lists the mappings and the files with their status, a
 * file that arrives after the page loaded shows up without a reload, and a finished execution is drawn on the
 * state machine's graph with the path it took and its retried attempt. Writes a screenshot to .tmp/console.png.
 *
 * Needs Debian's chromium at /usr/bin/chromium (CI installs it); skipped with a message where it is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { stackS3 } from '../support/stack-clients.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED tests/e2e/console.test.ts: ${CHROMIUM} is absent (apt-get install -y chromium to run the console test)`);
}
const describeWithChromium = HAVE_CHROMIUM ? describe : describe.skip;

const MODEL = '6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e';
const KEY_OK = 'captures/fraud-endpoint/AllTraffic/2026/11/25/10/00-01-000-console.jsonl';
const KEY_LATE = 'elsewhere/ep/AllTraffic/2026/11/25/11/00-09-000-console.jsonl';
const SCREENSHOT = '.tmp/console.png';

let stack: LocalStack;
let s3: S3Client;
let profile: string;
// playwright-core types, loaded only when chromium exists.
let browser: import('playwright-core').BrowserContext | undefined;

describeWithChromium('local console (headless Chromium)', () => {
  beforeAll(async () => {
    stack = await startLocalStack({ portBase: 0, retryIntervalMs: 0, routerRetryDelaysMs: [10, 10], log: () => {} });
    s3 = stackS3(stack);
    await stack.putMapping('captures/', MODEL);
    stack.receiver!.setFaults({ status: 503, count: 1 });
    await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: KEY_OK, Body: readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl') }));
    await stack.waitForIdle();

    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
    // A fresh profile directory per run (playwright takes it as launchPersistentContext's argument, not as a flag).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    s3?.destroy();
    await stack?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows the mappings, the files as they arrive, and a finished execution\'s path and retry on the graph', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(stack.endpoints.console);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.textContent('#mappings')).toContain(MODEL);
      await page.waitForSelector(`tr.file[data-key="${KEY_OK}"][data-status="UPLOADED"]`);

      // A file under no mapping arrives while the page is open: the next refresh lists it, with the reason.
      await s3.send(new PutObjectCommand({ Bucket: stack.captureBucket, Key: KEY_LATE, Body: readFileSync('tests/fixtures/captures/csv-fraud-scores.jsonl') }));
      await stack.waitForIdle();
      const late = await page.waitForSelector(`tr.file[data-key="${KEY_LATE}"][data-status="NOT_ROUTED"]`, { timeout: 10_000 });
      expect(await late.textContent()).toContain('no mapping matches');

      await page.click(`tr.file[data-key="${KEY_OK}"]`);
      await page.waitForSelector('#graph svg g.state.visited[data-state="RecordUploaded"]');
      const visited = await page.$$eval('#graph g.state.visited', (nodes) => nodes.map((n) => n.getAttribute('data-state')));
      expect(visited).toEqual(expect.arrayContaining(['ValidateCapture', 'UploadParts', 'UploadPart', 'CheckOutcome', 'RecordUploaded']));
      expect(visited).not.toContain('RecordFailed');
      expect(await page.getAttribute('#graph g.state[data-state="UploadPart"]', 'data-retries')).toBe('1');
      expect(await page.textContent('#failures')).toMatch(/UploadPart attempt 1: ArthurUnavailableError \(retried\)/);
      expect(await page.textContent('#why')).toContain('DELIVERED');
      // ValidateCapture → UploadParts → (UploadPart) → CheckOutcome → RecordUploaded: 4 edges.
      expect(await page.$$eval('#graph path.edge.taken', (edges) => edges.length)).toBeGreaterThanOrEqual(4);

      mkdirSync('.tmp', { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    } finally {
      await page.close();
    }
  }, 60_000);
});

if (!HAVE_CHROMIUM) {
  describe('local console (headless Chromium)', () => {
    // biome-ignore lint/suspicious/noSkippedTests: skipped only where Chromium is not installed, and the name says so
    it.skip(`needs ${CHROMIUM}`, () => {});
  });
}
