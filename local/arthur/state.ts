import { FingerprintSet } from '../../src/capture/index.js';
import { GroundTruthStore } from '../arthur-ground-truth.js';
import { HttpProblem } from './http.js';
import type { FaultSpec, ReceivedInference, ReceiverStats } from './types.js';

/** One upload's injected fault, expanded from a FaultSpec's `count`. */
export interface PendingFault {
  status?: number;
  delayMs: number;
  retryAfter: number;
  resetConnection: boolean;
  partialFailures: number;
}

/**
 * What the receiver holds: per model, every partner ID ever accepted (duplicate detection and the lookup) and,
 * when stored, the inferences; the pending faults; the counters. The IDs are kept as 63-bit fingerprints, 12–24
 * bytes each, for the life of a long local backfill: as strings in a Set they cost 80–150 bytes each (measured).
 * Only two IDs sharing a fingerprint could make a false "already exists", about 5·10⁻⁸ for a million IDs.
 */
export class ReceiverState {
  faults: PendingFault[] = [];
  private ids = new Map<string, FingerprintSet>();
  private stored = new Map<string, ReceivedInference[]>();
  /** Ground truth PATCHed for inferences this receiver holds (GET /__ground_truth). */
  readonly groundTruth = new GroundTruthStore();
  stats: ReceiverStats = freshStats();

  reset(): void {
    this.groundTruth.reset();
    this.faults = [];
    this.ids = new Map();
    this.stored = new Map();
    this.stats = freshStats();
  }

  /** Replaces the pending faults (a `reset: true` entry clears everything first). */
  setFaults(specs: FaultSpec | FaultSpec[]): void {
    const list = Array.isArray(specs) ? specs : [specs];
    const bad = list.find((f) => f.status !== undefined && f.status !== 0 && !(f.status >= 100 && f.status <= 599));
    if (bad) throw new HttpProblem(400, `fault status ${bad.status} is not an HTTP status (or 0 for a connection reset)`);
    if (list.some((f) => f.reset === true)) this.reset();
    this.faults = list.flatMap(expand);
  }

  count(kind: 'uploads' | 'accepted' | 'lookups', modelId: string): void {
    this.stats[kind][modelId] = (this.stats[kind][modelId] ?? 0) + 1;
    if (kind === 'uploads') this.stats.total++;
  }

  holds(modelId: string, partnerInferenceId: string): boolean {
    const known = this.ids.get(modelId);
    return known !== undefined && known.lineOf(partnerInferenceId) > 0;
  }

  /** The stored inference of that ID, when inferences are stored. */
  find(modelId: string, partnerInferenceId: string): ReceivedInference | undefined {
    return this.stored.get(modelId)?.find((i) => i.partnerInferenceId === partnerInferenceId);
  }

  /** Commits an upload once it was read whole: a rejected request leaves no trace, like a failed transaction. */
  commit(modelId: string, fresh: Iterable<string>, keep: ReceivedInference[] | undefined): void {
    let accepted = this.ids.get(modelId);
    if (!accepted) {
      accepted = new FingerprintSet(64);
      this.ids.set(modelId, accepted);
    }
    // Line 1 for every ID: lineOf answers 0 for an absent one.
    for (const id of fresh) accepted.add(id, 1);
    if (!keep) return;
    const list = this.stored.get(modelId);
    if (list) for (const inference of keep) list.push(inference);
    else this.stored.set(modelId, keep);
  }

  received(modelId?: string): ReceivedInference[] {
    if (modelId !== undefined) return [...(this.stored.get(modelId.toLowerCase()) ?? [])];
    return [...this.stored.values()].flat();
  }
}

function freshStats(): ReceiverStats {
  return { uploads: {}, accepted: {}, lookups: {}, total: 0 };
}

function expand(spec: FaultSpec): PendingFault[] {
  const resetConnection = spec.reset === 'connection' || spec.status === 0;
  if (spec.status === undefined && spec.delayMs === undefined && !resetConnection && !spec.partialFailures) return [];
  const fault: PendingFault = {
    status: resetConnection ? undefined : spec.status,
    delayMs: spec.delayMs ?? 0,
    retryAfter: spec.retryAfter ?? 1,
    resetConnection,
    partialFailures: spec.partialFailures ?? 0,
  };
  return Array.from({ length: spec.count ?? 1 }, () => ({ ...fault }));
}
