/**
 * `osls package` of the real service into a temporary directory, and small readers of what it produced: the
 * CloudFormation template, IAM statements with their `Fn::If` branches expanded, and the files of a zip artifact.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OSLS = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');

export type Template = {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: any; DependsOn?: string | string[]; Condition?: string }>;
  Outputs?: Record<string, { Value: unknown }>;
};

export interface Packaged {
  dir: string;
  template: Template;
  /** Wall-clock time of `osls package`, for the report (never asserted). */
  ms: number;
}

/** Packages the service offline with the given `--param`s (stage dev) and returns the update-stack template. */
export async function packageService(params: Record<string, string> = {}): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), 'capture-router-package-'));
  const args = [OSLS, 'package', '--stage', 'dev', '--package', dir, ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)];
  // Packaging needs no account: keep a developer's profile and credentials out of it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(k)));
  const started = Date.now();
  try {
    await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env: { ...env, SLS_TELEMETRY_DISABLED: '1', CI: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`osls package failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template, ms: Date.now() - started };
}

export function resourcesOfType(template: Template, type: string) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: unknown;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Evaluates a template condition; the ones here compare literals, since osls resolves parameters at package time. */
export function evaluateCondition(template: Template, expression: unknown): boolean {
  if (typeof expression === 'string') return evaluateCondition(template, template.Conditions?.[expression]);
  const e = expression as Record<string, unknown[]> & { Condition?: string };
  if (e.Condition) return evaluateCondition(template, e.Condition);
  if (e['Fn::Not']) return !evaluateCondition(template, e['Fn::Not'][0]);
  if (e['Fn::And']) return e['Fn::And'].every((c) => evaluateCondition(template, c));
  if (e['Fn::Or']) return e['Fn::Or'].some((c) => evaluateCondition(template, c));
  if (e['Fn::Equals']) {
    const [a, b] = e['Fn::Equals'];
    if (typeof a !== 'string' || typeof b !== 'string') throw new Error(`cannot decide ${JSON.stringify(expression)} offline`);
    return a === b;
  }
  throw new Error(`cannot evaluate condition ${JSON.stringify(expression)}`);
}

/** The value as CloudFormation would see it: each `Fn::If` replaced by its branch, `AWS::NoValue` dropped. */
export function resolveConditions(template: Template, value: unknown): unknown {
  const resolved = resolve(value);
  return resolved === NO_VALUE ? undefined : resolved;
  function resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(resolve).filter((x) => x !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (o.Ref === 'AWS::NoValue') return NO_VALUE;
    if (Array.isArray(o['Fn::If'])) {
      const [condition, whenTrue, whenFalse] = o['Fn::If'] as [string, unknown, unknown];
      return resolve(evaluateCondition(template, condition) ? whenTrue : whenFalse);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]).filter(([, x]) => x !== NO_VALUE));
  }
}

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every statement of an IAM role's inline policies as deployed (conditions decided), normalized to arrays. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an IAM role of the template`);
  const policies = resolveConditions(template, role.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: unknown } }>;
  return policies.flatMap((policy) =>
    asArray(policy.PolicyDocument.Statement).map((raw) => {
      const s = raw as { Effect: string; Action: unknown; Resource: unknown; Condition?: unknown };
      return {
        Effect: s.Effect,
        Action: asArray(s.Action).map(String),
        Resource: asArray(s.Resource),
        ...(s.Condition ? { Condition: s.Condition } : {}),
      };
    }),
  );
}

export function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action))].sort();
}

/** The resources an action is allowed on, across statements. */
export function resourcesFor(statements: Statement[], action: string): unknown[] {
  return statements.filter((s) => s.Effect === 'Allow' && s.Action.includes(action)).flatMap((s) => s.Resource);
}

/** Every place (a JSON path) in `value` where a string contains `needle`. */
export function pathsContaining(value: unknown, needle: string, path = '$'): string[] {
  if (typeof value === 'string') return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => pathsContaining(v, needle, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => pathsContaining(v, needle, `${path}.${k}`));
  return [];
}

/** The files of a zip archive (stored or deflated entries), read from its central directory. */
export function readZip(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error(`${path}: not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    files.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
