/**
 * Ground truth in the Arthur stand-in: the answer to `PATCH /api/v3/models/{modelId}/inferences` and the listing behind
 * `GET /__ground_truth?model=ID`, as plain functions the receiver mounts (it checks the token first, as for uploads).
 *
 * Arthur's contract (arthur-client 1.4.0 `update_inferences`; the arthurai SDK's tests/test_inferences.py): a JSON list of
 * `{partner_inference_id, ground_truth_timestamp, ground_truth_data}`, answered 207 `{counts: {success, failure, total},
 * results: [{message, status}]}`, one result per item in the order sent, counts.failure = results with status ≥ 300.
 * Ground truth joins an inference Arthur holds: a label for a partner ID the model has no inference for is refused with
 * a 404 result. A label for an ID already labelled replaces it (ground truth, unlike inferences, can be updated).
 */
import { isIsoInstant } from '../src/capture/index.js';

export interface StoredGroundTruth {
  partnerInferenceId: string;
  groundTruthTimestamp: string;
  groundTruthData: Record<string, unknown>;
}

/** What the stand-in holds, per model (model IDs compared case-insensitively, as the receiver does). */
export class GroundTruthStore {
  private byModel = new Map<string, Map<string, StoredGroundTruth>>();

  put(modelId: string, entry: StoredGroundTruth): void {
    const key = modelId.toLowerCase();
    const held = this.byModel.get(key) ?? new Map<string, StoredGroundTruth>();
    this.byModel.set(key, held);
    held.set(entry.partnerInferenceId, entry);
  }

  /** `[{partnerInferenceId, groundTruthTimestamp, groundTruthData}]` of one model, or of all without one, in arrival order. */
  listGroundTruth(modelId?: string): StoredGroundTruth[] {
    if (modelId !== undefined) return [...(this.byModel.get(modelId.toLowerCase())?.values() ?? [])];
    return [...this.byModel.values()].flatMap((held) => [...held.values()]);
  }

  reset(): void {
    this.byModel = new Map();
  }
}

export interface GroundTruthPatchInput {
  modelId: string;
  /** The request body: already parsed JSON, or its raw text/bytes. */
  body: unknown;
  /** Whether the model holds an inference with this partner ID. */
  knownPartnerIds: (partnerInferenceId: string) => boolean;
  store: GroundTruthStore;
}

export interface HandlerAnswer {
  status: number;
  body: unknown;
}

interface ItemResult {
  message: string;
  status: number;
}

/**
 * The answer to one ground-truth PATCH: 400 when the body is not a non-empty JSON list, else 207 with a result per item.
 * @example
 * handleGroundTruthPatch({ modelId, body: [{ partner_inference_id: 'e-1', ground_truth_timestamp: '2024-01-19T19:00:00Z',
 *   ground_truth_data: { label: 1 } }], knownPartnerIds: () => true, store });
 * // { status: 207, body: { counts: { success: 1, failure: 0, total: 1 }, results: [{ message: 'success', status: 200 }] } }
 */
export function handleGroundTruthPatch(input: GroundTruthPatchInput): HandlerAnswer {
  const list = parseBody(input.body);
  if (!Array.isArray(list)) return { status: 400, body: { detail: list.detail } };
  if (list.length === 0) return { status: 400, body: { detail: 'the body is an empty list; send at least one ground-truth item' } };
  const results = list.map((item): ItemResult => {
    const problem = itemProblem(item);
    if (problem !== undefined) return { message: problem, status: 400 };
    const { partner_inference_id: id, ground_truth_timestamp: timestamp, ground_truth_data: data } = item as Record<string, unknown>;
    if (!input.knownPartnerIds(id as string)) return { message: `no inference with partner_inference_id ${JSON.stringify(id)}`, status: 404 };
    input.store.put(input.modelId, { partnerInferenceId: id as string, groundTruthTimestamp: timestamp as string, groundTruthData: { ...(data as object) } });
    return { message: 'success', status: 200 };
  });
  const failure = results.filter((r) => r.status >= 300).length;
  return { status: 207, body: { counts: { success: results.length - failure, failure, total: results.length }, results } };
}

/**
 * The answer to `GET /__ground_truth?model=ID` (all models without `model`).
 * @example handleGroundTruthList(store, new URLSearchParams('model=5a3b…')) // { status: 200, body: [...] }
 */
export function handleGroundTruthList(store: GroundTruthStore, query: URLSearchParams): HandlerAnswer {
  return { status: 200, body: store.listGroundTruth(query.get('model') ?? undefined) };
}

const PATCH_PATH = /^\/api\/v3\/models\/([^/]+)\/inferences\/?$/;

/**
 * The model ID of a ground-truth PATCH, or undefined when the request is not one (for the receiver's router).
 * @example matchGroundTruthPatch('PATCH', '/api/v3/models/abc/inferences') // 'abc'
 */
export function matchGroundTruthPatch(method: string | undefined, pathname: string): string | undefined {
  if (method !== 'PATCH') return undefined;
  const match = PATCH_PATH.exec(pathname);
  return match ? decodeURIComponent(match[1]) : undefined;
}

function parseBody(body: unknown): unknown[] | { detail: string } {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString());
    } catch (err) {
      return { detail: `the body is not valid JSON (${(err as Error).message})` };
    }
  }
  return Array.isArray(value) ? value : { detail: `the body is ${describe(value)}; send a JSON list of ground-truth items` };
}

function itemProblem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return `the item is ${describe(item)}, not an object`;
  const { partner_inference_id: id, ground_truth_timestamp: timestamp, ground_truth_data: data } = item as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') return 'partner_inference_id must be a non-empty string';
  if (!isIsoInstant(timestamp)) return `ground_truth_timestamp ${JSON.stringify(timestamp)?.slice(0, 60)} is not an ISO-8601 instant with a zone`;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return `ground_truth_data is ${describe(data)}, not an object`;
  const entries = Object.entries(data);
  if (entries.length === 0) return 'ground_truth_data is empty';
  for (const [name, value] of entries) {
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') return `ground_truth_data.${name} is ${describe(value)}, not a value`;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
