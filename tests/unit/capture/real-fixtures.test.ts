/**
 * Verdicts on the real capture files in ../shared/fixtures/real (public samples; see SOURCES.md there), derived
 * from Arthur's rules. They are read in place, never copied: a user's clone has no ../shared, and then this suite
 * says it is skipped.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { checkCaptureFile, type ErrorCode } from '../../../src/capture/index.js';

// REAL_FIXTURES_DIR points elsewhere (e.g. from a worktree), as in ground-truth-file.test.ts.
const DIR = process.env.REAL_FIXTURES_DIR ? new URL(`file://${process.env.REAL_FIXTURES_DIR.replace(/\/?$/, '/')}`) : new URL('../../../../shared/fixtures/real/', import.meta.url);
const present = existsSync(DIR);
if (!present) console.warn(`skipped: real capture fixtures not found at ${DIR.pathname} (they live beside the project, not in it)`);
const maybe = present ? describe : describe.skip;

interface Verdict {
  valid: boolean;
  records: number;
  inferences: number;
  codes: ErrorCode[];
  normalized?: boolean;
  ids?: string[];
}

const all = (n: number, code: ErrorCode): ErrorCode[] => Array.from({ length: n }, () => code);

const VERDICTS: Record<string, Verdict> = {
  // Flat lists of scalars under instances/predictions: not one of Arthur's two shapes.
  '01_sdk-legacy_json-instances_predictions.jsonl': { valid: false, records: 2, inferences: 0, codes: all(2, 'BAD_JSON_SHAPE') },
  // The SDK's test file leaves inferenceTime as the template "{%s}".
  '02_sdk_csv-xgb-style_templated-time.jsonl': { valid: false, records: 44, inferences: 0, codes: all(44, 'BAD_INFERENCE_TIME') },
  // Ground truth, not endpoint captures: the capture checker says which kind it is.
  '02b_sdk_groundtruth-actuals_companion.jsonl': { valid: false, records: 44, inferences: 0, codes: all(44, 'WRONG_RECORD_KIND') },
  '03_sme_xgboost-churn_csv.jsonl': {
    valid: true, records: 3, inferences: 3, codes: [],
    ids: ['f04a8538-696c-4648-8064-8b680b2e3318', '4f301857-49c9-44d1-b275-ba0ab7767033', '9827355a-ac22-40f4-9748-539e03db6c2a'],
  },
  // Line 2 is a two-row mini-batch of one invocation: eventId_0, eventId_1.
  '04_sme_linear-learner_json-instances-features_named-predictions_batch.jsonl': {
    valid: true, records: 2, inferences: 3, codes: [],
    ids: ['7ddb2d7c-4d6a-4e67-a68e-23870399829d', '9066ac80-dde1-4370-a73e-ab997e2544f1_0', '9066ac80-dde1-4370-a73e-ab997e2544f1_1'],
  },
  // application/jsonlines: valid once converted.
  '05_sme_jsonlines_multi-record-batch.jsonl': {
    valid: true, records: 2, inferences: 3, codes: [], normalized: true,
    ids: ['40394cfe-37c3-4abb-b22c-dd7accbe9608', '32aaea1b-1a60-4870-b81d-40271f950c4a_0', '32aaea1b-1a60-4870-b81d-40271f950c4a_1'],
  },
  // Pretty-printed JSON documents, not JSONL: every non-blank physical line is a broken record.
  '06_sme_MERGED-groundtruth+capture_with-inferenceId.json': { valid: false, records: 26, inferences: 0, codes: all(26, 'MALFORMED_JSON') },
  '07_sme_MERGED-batch-transform-capture.json': { valid: false, records: 16, inferences: 0, codes: all(16, 'MALFORMED_JSON') },
  '08_awsdocs_xgboost-churn_csv_trailing-newline_AS-PRINTED-WRAPPED.txt': { valid: false, records: 8, inferences: 0, codes: all(8, 'MALFORMED_JSON') },
  '09_awsdocs_inference-record_csv_pretty.json': { valid: false, records: 21, inferences: 0, codes: all(21, 'MALFORMED_JSON') },
  // An LLM chat payload: no instances/predictions.
  '10_aiperf-docs_llm-chat-messages_json.jsonl': { valid: false, records: 1, inferences: 0, codes: ['BAD_JSON_SHAPE'] },
  // CSV in, JSON out: encodings may differ per side, one inference each.
  '11_issue2785_mixed-encoding_csv-in_json-out.jsonl': { valid: true, records: 1, inferences: 1, codes: [], ids: ['28cc8646-bb47-4a96-92fc-d04fc2651286'] },
};

maybe('real capture files (../shared/fixtures/real)', () => {
  it('has a verdict for every capture file there', () => {
    const files = readdirSync(DIR).filter((f) => f !== 'SOURCES.md').sort();
    expect(files).toEqual(Object.keys(VERDICTS).sort());
  });

  it.each(Object.entries(VERDICTS))('%s', async (file, verdict) => {
    const report = await checkCaptureFile(new URL(file, DIR).pathname, { collectPartnerIds: true });
    expect(report).toMatchObject({ valid: verdict.valid, records: verdict.records, inferences: verdict.inferences, normalized: verdict.normalized ?? false });
    expect(report.errors.map((e) => e.code)).toEqual(verdict.codes);
    if (verdict.ids) expect(report.partnerInferenceIds).toEqual(verdict.ids);
  });

  it('reads the AWS doc sample once its wrapped records are joined: the repeated anonymised eventId is a duplicate', async () => {
    const text = readFileSync(new URL('08_awsdocs_xgboost-churn_csv_trailing-newline_AS-PRINTED-WRAPPED.txt', DIR), 'utf8');
    const physical = text.split('\n').filter((l) => l.trim() !== '');
    const joined: string[] = [];
    for (let i = 0; i < physical.length; i += 4) joined.push(physical.slice(i, i + 4).join(''));
    const report = await checkCaptureFile(Readable.from([joined.join('\n')]), { collectPartnerIds: true });
    // The input data ends with "\n": still one row, so one inference per record.
    expect(report).toMatchObject({ records: 2, inferences: 1, partnerInferenceIds: ['aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'] });
    expect(report.errors.map((e) => [e.line, e.code])).toEqual([[2, 'DUPLICATE_PARTNER_ID']]);
  });
});
