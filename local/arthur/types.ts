/** What the Arthur-compatible receiver takes as options and gives back; docs/LOCAL.md describes its endpoints. */
import type { StoredGroundTruth } from '../arthur-ground-truth.js';

export interface ReceivedInference {
  partnerInferenceId: string;
  modelId: string;
  inferenceTime: string;
  input: unknown;
  output: unknown;
}

export interface FaultSpec {
  /** HTTP status to answer with; 0 resets the connection instead. */
  status?: number;
  /** How many uploads the fault applies to. Default 1. */
  count?: number;
  delayMs?: number;
  /** Retry-After seconds sent with a 429. Default 1. */
  retryAfter?: number;
  /** 'connection': reset the TCP connection. true (in POST /__faults): clear faults, received and stats. */
  reset?: boolean | 'connection';
  /** Take the upload (207) but answer the first N new inferences as failures, keeping none of them (Arthur's partial failure). */
  partialFailures?: number;
}

export interface ReceiverStats {
  uploads: Record<string, number>;
  accepted: Record<string, number>;
  /** Lookups of one inference by partner ID (GET …/inferences/query/{id}), per model. */
  lookups: Record<string, number>;
  total: number;
}

export interface ArthurReceiverOptions {
  /** The raw token every request must carry as `Authorization`. */
  token: string;
  /**
   * When set, every request must carry `Arthur-Organization-ID` with this value (403 otherwise), as an Arthur
   * account with several organizations requires; when unset the header is accepted and not checked.
   */
  organizationId?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, only these model IDs exist (others answer 404); otherwise any UUID is a model. */
  models?: Iterable<string>;
  /** Upload bodies larger than this answer 413. Default 1 GiB. */
  maxBodyBytes?: number;
  /** Keep each inference's input and output for /__received. Off for benchmarks (IDs are always kept). */
  storeInferences?: boolean;
  /** Most failures listed in one answer (counts stay exact). Default 10,000. */
  maxResults?: number;
}

export interface ArthurReceiver {
  /** Base URL, e.g. http://127.0.0.1:4584 — what ARTHUR_HOST is set to. */
  url: string;
  port: number;
  received(modelId?: string): ReceivedInference[];
  /** Ground truth it holds (what GET /__ground_truth?model=ID lists), in arrival order. */
  groundTruth(modelId?: string): StoredGroundTruth[];
  setFaults(faults: FaultSpec | FaultSpec[]): void;
  /** Accepts this token only from now on, as Arthur after a key rotation: the former one answers 401. */
  setToken(token: string): void;
  stats(): ReceiverStats;
  reset(): void;
  close(): Promise<void>;
}
