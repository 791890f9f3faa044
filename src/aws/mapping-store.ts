import type { MappingItem } from '../contracts.js';

/** What a caller sets on a mapping; the store adds `createdAt`, `updatedAt` and `version`. */
export interface MappingInput {
  /** Normalized by the store (see src/routing/prefix.ts); an invalid prefix throws InvalidPrefixError. */
  prefix: string;
  modelId: string;
  /** Default true. */
  enabled?: boolean;
  arthurHost?: string;
  tokenSecretArn?: string;
  organizationId?: string;
  description?: string;
  /** Absent or `capture`: stored as absent. */
  kind?: 'capture' | 'groundTruth';
  /** Required by the admin API for kind `groundTruth`; stored as a list of strings. */
  groundTruthAttributes?: string[];
}

/** One page of {@link MappingStore.listMappings}. */
export interface MappingPage {
  items: MappingItem[];
  /** Pass back to get the next page; absent on the last page. */
  cursor?: string;
}

/**
 * The mappings table: prefix → Arthur model. The router needs only `getMappings`; the admin API uses the rest.
 * Adapters translate their SDK's errors into the errors of src/aws/errors.ts.
 */
export interface MappingStore {
  /** The mappings stored under exactly these prefixes; prefixes without one are absent from the result. */
  getMappings(prefixes: readonly string[]): Promise<Map<string, MappingItem>>;
  getMapping(prefix: string): Promise<MappingItem | undefined>;
  /**
   * Creates or replaces a mapping; optional fields left out are removed. With `expectedVersion` the write
   * succeeds only if the stored version is that one (0: only if there is no mapping yet), else MappingConflictError.
   */
  putMapping(input: MappingInput, options?: { expectedVersion?: number }): Promise<MappingItem>;
  /** Deletes a mapping and returns what was deleted, or undefined when there was none. */
  deleteMapping(prefix: string): Promise<MappingItem | undefined>;
  /** One page of mappings, sorted by prefix within the page (a Scan has no global order). */
  listMappings(options?: { limit?: number; cursor?: string }): Promise<MappingPage>;
}

// The adapters' errors. The router's Lambda throws them so that S3's async invocation retries the event and, when
// retries run out, the DLQ keeps it; none reaches a Step Functions Retry/Catch (those match src/errors.ts).

/** The mappings table could not be read or written (missing table, access denied, throttled past the SDK's retries). */
export class MappingStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MappingStoreError';
  }
}

/** An item of the mappings table does not have a mapping's shape (typically written by hand). */
export class MappingItemInvalidError extends Error {
  readonly prefix: string;
  constructor(prefix: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MappingItemInvalidError';
    this.prefix = prefix;
  }
}

/** A conditional write lost: the mapping changed (or appeared) since the caller read the version it expected. */
export class MappingConflictError extends Error {
  readonly prefix: string;
  readonly expectedVersion?: number;
  constructor(prefix: string, message: string, options?: ErrorOptions & { expectedVersion?: number }) {
    super(message, options);
    this.name = 'MappingConflictError';
    this.prefix = prefix;
    this.expectedVersion = options?.expectedVersion;
  }
}

/** No mapping is stored under that prefix (get or delete of one). */
export class MappingNotFoundError extends Error {
  readonly prefix: string;
  constructor(prefix: string, options?: ErrorOptions) {
    super(`no mapping for prefix "${prefix}"`, options);
    this.name = 'MappingNotFoundError';
    this.prefix = prefix;
  }
}

/** A pagination cursor of listMappings that this store did not hand out. */
export class InvalidMappingCursorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidMappingCursorError';
  }
}
