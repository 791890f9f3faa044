/**
 * A function's environment as serverless.yml deploys it by default: `functions.<name>.environment`, with each
 * `${param:NAME}` replaced by `params.default.NAME` (the value `osls deploy` uses when no `--param` overrides it).
 * Only what resolves to a plain string is returned; CloudFormation references (`Ref`, `Fn::Sub`…) and other
 * variables (`${sls:stage}`, `${self:…}`) are left out: they name deployed resources, which the local stack names
 * itself (local/stack-names.ts). Read from the file so the local stack cannot drift from the deployed settings.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

const PARAM = /\$\{param:([A-Za-z0-9_]+)\}/g;

/** `{ MAPPING_CACHE_TTL_SECONDS: '60' }` for `router`, with the file's default params. */
export function readFunctionEnvironment(serverlessYmlPath: string, functionName: string): Record<string, string> {
  // Short-form tags (`!Ref`) would only warn: the values read here are plain strings.
  const doc = parseYaml(readFileSync(serverlessYmlPath, 'utf8'), { logLevel: 'silent' }) as {
    params?: { default?: Record<string, unknown> };
    functions?: Record<string, { environment?: Record<string, unknown> }>;
  };
  const params = doc.params?.default ?? {};
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(doc.functions?.[functionName]?.environment ?? {})) {
    const value = resolveParams(raw, params);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A string or number with every `${param:X}` replaced; undefined when anything else is left to resolve. */
function resolveParams(raw: unknown, params: Record<string, unknown>): string | undefined {
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw !== 'string') return undefined;
  let unresolved = false;
  const value = raw.replace(PARAM, (_match, name: string) => {
    const param = params[name];
    if (typeof param === 'string' || typeof param === 'number' || typeof param === 'boolean') return String(param);
    unresolved = true;
    return '';
  });
  return unresolved || value.includes('${') ? undefined : value;
}
