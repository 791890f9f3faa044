/**
 * The mapping use cases of the admin API: plain functions of (input, deps), no AWS imports. The prefix rules are
 * the router's own (src/routing/prefix.ts), so a mapping the API accepts is one the router can match.
 */
import type { MappingItem } from '../../src/contracts.js';
import { MappingNotFoundError, type MappingInput, type MappingStore } from '../../src/aws/mapping-store.js';
import { assertAllowedHost } from '../../src/arthur/host-policy.js';
import { ConfigurationError } from '../../src/errors.js';
import { candidatePrefixes } from '../../src/routing/candidate-prefixes.js';
import { everyPage } from '../../src/pagination.js';
import { validatePrefix } from '../../src/routing/prefix.js';
import { invalid } from './errors.js';

export interface MappingDeps {
  store: MappingStore;
  /** Hosts a mapping's arthurHost may name (the upload function enforces the same list). */
  allowlist: readonly string[];
  /**
   * Per-mapping token secrets must have ARNs starting with this (`arn:aws:secretsmanager:{region}:{account}:secret:
   * capture-router/`): the upload role can read no other secret.
   */
  mappingSecretArnPrefix?: string;
}

/** A body of PUT /mappings that passed schemas/put-mapping.json. */
export interface PutMappingBody {
  prefix: string;
  modelId: string;
  enabled?: boolean;
  description?: string;
  arthurHost?: string;
  tokenSecretArn?: string;
  organizationId?: string;
  kind?: 'capture' | 'groundTruth';
  groundTruthAttributes?: string[];
}

/** Preconditions of a PUT, from the If-Match / If-None-Match headers. */
export interface PutPreconditions {
  /** The version the caller read; the write fails with 412 when the stored one differs. */
  ifMatch?: number;
  /** `If-None-Match: *`: create only. */
  createOnly?: boolean;
}

/** A mapping nested with another: the keys of `prefix` (the narrower one) go to the narrower mapping. */
export interface Overlap {
  prefix: string;
  modelId: string;
  enabled: boolean;
}

export interface PutMappingResult {
  created: boolean;
  mapping: MappingItem;
  /** Broader mappings that no longer receive the keys under this prefix. */
  shadows: Overlap[];
  /** Narrower mappings that keep receiving the keys under their own prefixes. */
  shadowedBy: Overlap[];
}

/** Normalizes a prefix with the router's rules, or throws InvalidRequestError naming the field and the broken rule. */
export function checkedPrefix(input: unknown, field = 'prefix'): string {
  const result = validatePrefix(input);
  if (!result.ok) throw invalid(field, result.rule, result.message.replace(/^prefix/, field));
  return result.prefix;
}

/** A ground-truth mapping names its attributes; any other names none (the schema types both fields). */
function checkKind(body: PutMappingBody): void {
  const groundTruth = body.kind === 'groundTruth';
  if (groundTruth && !body.groundTruthAttributes?.length) {
    throw invalid('groundTruthAttributes', 'required', 'groundTruthAttributes is required when kind is groundTruth (the model\'s ground-truth attribute names, in order)');
  }
  if (!groundTruth && body.groundTruthAttributes !== undefined) {
    throw invalid('groundTruthAttributes', 'kind', 'groundTruthAttributes is only for kind groundTruth (a capture mapping has none)');
  }
}

/** Creates or replaces a mapping; reports the nested mappings it shadows or is shadowed by. */
export async function putMapping(body: PutMappingBody, preconditions: PutPreconditions, deps: MappingDeps): Promise<PutMappingResult> {
  const prefix = checkedPrefix(body.prefix);
  if (body.arthurHost !== undefined) {
    try {
      assertAllowedHost(body.arthurHost, deps.allowlist);
    } catch (error) {
      if (error instanceof ConfigurationError) throw invalid('arthurHost', 'allowlist', `arthurHost: ${error.message}`, { cause: error });
      throw error;
    }
  }
  if (body.tokenSecretArn !== undefined && deps.mappingSecretArnPrefix && !body.tokenSecretArn.startsWith(deps.mappingSecretArnPrefix)) {
    throw invalid(
      'tokenSecretArn',
      'secret-prefix',
      `tokenSecretArn must start with ${deps.mappingSecretArnPrefix} (the upload function may read no other secret), got ${body.tokenSecretArn}`,
    );
  }
  checkKind(body);
  const input: MappingInput = {
    prefix,
    modelId: body.modelId,
    enabled: body.enabled ?? true,
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.arthurHost !== undefined ? { arthurHost: body.arthurHost } : {}),
    ...(body.tokenSecretArn !== undefined ? { tokenSecretArn: body.tokenSecretArn } : {}),
    ...(body.organizationId !== undefined ? { organizationId: body.organizationId } : {}),
    ...(body.kind === 'groundTruth' ? { kind: 'groundTruth' as const, groundTruthAttributes: body.groundTruthAttributes ?? [] } : {}),
  };
  const expectedVersion = preconditions.createOnly ? 0 : preconditions.ifMatch;
  const mapping = await deps.store.putMapping(input, expectedVersion === undefined ? {} : { expectedVersion });
  const { shadows, shadowedBy } = await overlapsOf(prefix, deps.store);
  // The store starts a new item at version 1 with createdAt = updatedAt; a hand-written item without a version
  // also comes back at version 1, but with its older createdAt.
  return { created: mapping.version === 1 && mapping.createdAt === mapping.updatedAt, mapping, shadows, shadowedBy };
}

/** The mappings nested with `prefix`: broader ones (one BatchGetItem) and narrower ones (every page of the table). */
export async function overlapsOf(prefix: string, store: MappingStore): Promise<{ shadows: Overlap[]; shadowedBy: Overlap[] }> {
  const broader = candidatePrefixes(`${prefix}x`).filter((p) => p !== prefix);
  const found = broader.length ? await store.getMappings(broader) : new Map<string, MappingItem>();
  // Longest first, as the router tries them: the first one is the mapping that loses these keys.
  const shadows = broader.flatMap((p) => (found.has(p) ? [overlap(found.get(p)!)] : []));
  const shadowedBy: Overlap[] = [];
  // No index answers "prefixes starting with": a mappings table holds hundreds of items, so a Scan is cheap.
  const every = everyPage((cursor) => store.listMappings({ cursor }).then((page) => ({ items: page.items, next: page.cursor })));
  for await (const item of every) if (item.prefix !== prefix && item.prefix.startsWith(prefix)) shadowedBy.push(overlap(item));
  shadowedBy.sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
  return { shadows, shadowedBy };
}

export async function getMapping(rawPrefix: unknown, deps: Pick<MappingDeps, 'store'>): Promise<MappingItem> {
  const prefix = checkedPrefix(rawPrefix);
  const mapping = await deps.store.getMapping(prefix);
  if (!mapping) throw new MappingNotFoundError(prefix);
  return mapping;
}

export async function deleteMapping(rawPrefix: unknown, deps: Pick<MappingDeps, 'store'>): Promise<MappingItem> {
  const prefix = checkedPrefix(rawPrefix);
  const deleted = await deps.store.deleteMapping(prefix);
  if (!deleted) throw new MappingNotFoundError(prefix);
  return deleted;
}

export async function listMappings(
  options: { limit?: number; nextToken?: string },
  deps: Pick<MappingDeps, 'store'>,
): Promise<{ items: MappingItem[]; nextToken?: string }> {
  const page = await deps.store.listMappings({ limit: options.limit, cursor: options.nextToken });
  return page.cursor ? { items: page.items, nextToken: page.cursor } : { items: page.items };
}

function overlap(item: MappingItem): Overlap {
  return { prefix: item.prefix, modelId: item.modelId, enabled: item.enabled };
}
