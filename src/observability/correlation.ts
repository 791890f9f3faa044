import type { WorkflowInput } from '../contracts.js';
import { executionName } from '../routing/execution-name.js';
import type { Correlation } from './telemetry.js';

/**
 * The correlation fields of one capture file as a task sees it. The task's payload does not carry the execution
 * name, but the router names every execution deterministically from bucket, key, ETag and version, so the name is
 * derived the same way (a forced replay's execution has a different name; its logs still carry bucket and key).
 *
 * @example
 * correlation({ bucket: 'b', key: 'ep/f.jsonl', etag: 'e', size: 1, modelId: 'm', mappingPrefix: 'ep/' })
 * // { bucket: 'b', key: 'ep/f.jsonl', modelId: 'm', executionName: 'ep-f-…' }
 */
export function correlation(input: Partial<WorkflowInput> | undefined): Correlation {
  if (!input || typeof input.bucket !== 'string' || typeof input.key !== 'string') return {};
  let name: string | undefined;
  try {
    name = executionName({ bucket: input.bucket, key: input.key, etag: input.etag, versionId: input.versionId });
  } catch {
    name = undefined;
  }
  return { bucket: input.bucket, key: input.key, modelId: input.modelId, executionName: name };
}
