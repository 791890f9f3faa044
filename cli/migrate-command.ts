/**
 * `capture-router migrate --bucket B [--apply] [--rollback FILE]`: moves a bucket off Arthur's per-model Lambdas.
 * Plan (default): the bucket's rules that the router's bucket-wide `.jsonl` rule would overlap, the mapping each
 * becomes, what cannot be mapped, what is kept. --apply: save the previous configuration to a file, store tokens
 * (--store-tokens, or a yes at the prompt on a terminal), register the mappings through the admin API, then swap
 * the notification in ONE PutBucketNotificationConfiguration — each object created before it goes to the old
 * function, each after to the router. The pure planning is src/onboarding/migration-plan.ts.
 */
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, type NotificationConfiguration as SdkNotificationConfiguration, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { type FunctionInfo, type MigrationPlan, planMigration, type ProposedMapping } from '../src/onboarding/migration-plan.js';
import { flattenRules, type NotificationConfiguration, type NotificationRule } from '../src/onboarding/notification-rules.js';
import { CONNECTION_OPTIONS } from './admin-commands.js';
import { AdminApiError, AdminClient } from './admin-client.js';
import { findStack, requireResource } from './stack-target.js';
import { describeAwsError, type OperatorClients, operatorClients } from './aws-clients.js';
import { type Io, UsageError } from './io.js';

const HELP = `usage: capture-router migrate --bucket BUCKET [--apply [--store-tokens] [--save FILE] [--drop-unmapped]]
                              [--rollback FILE] [--router-arn ARN] [--json] [--quiet] [connection options]

Without --apply: prints the plan and changes nothing — the rules of BUCKET that the router's rule
(s3:ObjectCreated:*, suffix .jsonl, no prefix) would overlap, the mapping prefix → model (and host) proposed for
each Lambda that follows Arthur's sample (ARTHUR_MODEL_ID, ARTHUR_HOST, ARTHUR_ACCESS_TOKEN), the rules it cannot
map and the rules it keeps. Token values are never printed.

--apply           1. saves the current notification configuration to --save FILE
                     (default ./capture-router-migrate-BUCKET-TIMESTAMP.json);
                  2. stores each token found in an old function's environment in Secrets Manager as
                     SECRET_PREFIX arthur-token-MODEL_ID, when --store-tokens is given or you answer yes on a terminal
                     (without a terminal it never asks); otherwise the mapping uses the stack's token;
                  3. registers the mappings through the admin API;
                  4. ONE PutBucketNotificationConfiguration: the old Arthur rules out, the router's rule in, every
                     other rule kept. Refused while a rule cannot be mapped, unless --drop-unmapped.
--rollback FILE   puts back the configuration FILE saved (the mappings and secrets stay).
--router-arn ARN  the router function (default $CAPTURE_ROUTER_ROUTER_ARN, else STACK-router's ARN)
--secret-prefix P the mapping secret prefix of the stack (default capture-router/)
--quiet           only the summary and errors

connection (the admin API, for --apply):
  --endpoint URL   default $CAPTURE_ROUTER_API_URL, else the HttpApiUrl output of --stack NAME
  --stack NAME     default capture-router-STAGE (--stage, default dev); --region R; --sigv4

Exit code: 0 planned or done, 1 refused (by this command, S3 or the admin API) or an AWS error, 2 usage.`;

export interface MigrateDeps {
  env?: NodeJS.ProcessEnv;
  clients?: OperatorClients;
  fetch?: typeof fetch;
  /** Asks a yes/no question; absent: the command never asks (no terminal). */
  confirm?: (question: string) => Promise<boolean>;
  now?: () => Date;
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        bucket: { type: 'string' },
        apply: { type: 'boolean' },
        rollback: { type: 'string' },
        'store-tokens': { type: 'boolean' },
        'secret-prefix': { type: 'string' },
        save: { type: 'string' },
        'drop-unmapped': { type: 'boolean' },
        'router-arn': { type: 'string' },
        quiet: { type: 'boolean' },
        ...CONNECTION_OPTIONS,
      },
    });
  } catch (error) {
    throw new UsageError(`migrate: ${(error as Error).message}\n\n${HELP}`);
  }
}

export async function runMigrate(argv: string[], io: Io, deps: MigrateDeps = {}): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (values.apply && values.rollback !== undefined) throw new UsageError('migrate: --apply and --rollback do not go together');
  if (!values.bucket && values.rollback === undefined) throw new UsageError(`migrate: --bucket BUCKET is required\n\n${HELP}`);
  const env = deps.env ?? process.env;
  const clients = deps.clients ?? operatorClients(env, values.region);
  const confirm = deps.confirm ?? (io.isTty && process.stdin.isTTY ? terminalConfirm : undefined);
  const say = (line: string) => {
    if (!values.quiet && !values.json) io.out(line);
  };
  try {
    if (values.rollback !== undefined) return await rollback(values, clients, io, say);
    const bucket = values.bucket!;
    const config = await readConfiguration(clients, bucket);
    const stack = values.stack ?? `capture-router-${values.stage ?? 'dev'}`;
    const routerArn = values['router-arn'] ?? env.CAPTURE_ROUTER_ROUTER_ARN ?? (await routerArnOf(clients, stack));
    const functions = await readFunctions(clients, config, routerArn);
    const plan = planMigration(bucket, config, functions, routerArn ?? `(the router of ${stack})`);
    printPlan(plan, say);
    if (!values.apply) {
      if (values.json) io.out(JSON.stringify({ plan }));
      else io.out(`plan: ${plan.mappings.length} mapping(s), ${plan.unmappable.length} rule(s) that cannot be mapped, ${plan.kept.length} kept; nothing changed${plan.replaced.length > 0 ? ' (run with --apply)' : ''}`);
      return 0;
    }
    if (!routerArn) {
      io.err(`capture-router migrate: cannot find the router function (${stack}-router); pass --router-arn ARN`);
      return 1;
    }
    return await apply(plan, { values, env, clients, io, say, confirm, fetch: deps.fetch, now: deps.now ?? (() => new Date()), functions, planned: config });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`capture-router migrate: ${error instanceof AdminApiError ? `admin API: ${error.message}` : describeAwsError(error)}`);
    return 1;
  } finally {
    if (!deps.clients) clients.destroy();
  }
}

async function readConfiguration(clients: OperatorClients, bucket: string): Promise<NotificationConfiguration> {
  const { $metadata: _meta, ...config } = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  return config as NotificationConfiguration;
}

async function routerArnOf(clients: OperatorClients, stack: string): Promise<string | undefined> {
  try {
    return (await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${stack}-router` }))).FunctionArn;
  } catch {
    return undefined;
  }
}

/** GetFunctionConfiguration of every function a rule targets (the values stay in memory; tokens are never printed). */
async function readFunctions(clients: OperatorClients, config: NotificationConfiguration, routerArn: string | undefined): Promise<Map<string, FunctionInfo>> {
  const out = new Map<string, FunctionInfo>();
  for (const rule of flattenRules(config)) {
    if (rule.kind !== 'lambda' || rule.target === routerArn || out.has(rule.target)) continue;
    try {
      const fn = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: rule.target }));
      out.set(rule.target, { arn: rule.target, name: fn.FunctionName ?? rule.target, environment: { ...(fn.Environment?.Variables ?? {}) } });
    } catch (error) {
      out.set(rule.target, { arn: rule.target, error: describeAwsError(error) });
    }
  }
  return out;
}

function describeRule(r: NotificationRule): string {
  const filter = [r.prefix ? `prefix ${r.prefix}` : 'no prefix', r.suffix ? `suffix ${r.suffix}` : 'no suffix'].join(', ');
  return `${r.id} (${r.kind} ${r.target}; ${r.events.join(' ')}; ${filter})`;
}

function printPlan(plan: MigrationPlan, say: (line: string) => void): void {
  const total = plan.replaced.length + plan.kept.length + (plan.routerPresent ? 1 : 0);
  say(`bucket ${plan.bucket}: ${total} notification rule(s)${plan.routerPresent ? ", the router's among them" : ''}`);
  if (plan.replaced.length === 0) say("  no rule overlaps the router's bucket-wide .jsonl rule: nothing to migrate");
  for (const m of plan.mappings) {
    say(`  replace ${m.ruleId} → function ${m.functionName}`);
    say(`    mapping ${m.prefix} → model ${m.modelId}${m.arthurHost ? `, host ${m.arthurHost}` : ''}${m.tokenVariable ? `, token in ${m.tokenVariable} (value not shown)` : ''}`);
    for (const note of m.notes) say(`    note: ${note}`);
  }
  for (const u of plan.unmappable) say(`  cannot map ${describeRule(u.rule)}: ${u.reason}`);
  for (const k of plan.kept) say(`  keep ${describeRule(k)}`);
  const routerRule = plan.next.LambdaFunctionConfigurations?.at(-1);
  if (plan.replaced.length > 0) say(`  add ${routerRule?.Id} (s3:ObjectCreated:*, suffix .jsonl, no prefix → ${routerRule?.LambdaFunctionArn}; the Id the deploy gives it, so a later deploy replaces it)`);
  if (plan.nextProblem) say(`  S3 would refuse the new configuration: ${plan.nextProblem}`);
}

interface ApplyContext {
  values: Values;
  env: NodeJS.ProcessEnv;
  clients: OperatorClients;
  io: Io;
  say: (line: string) => void;
  confirm?: (question: string) => Promise<boolean>;
  fetch?: typeof fetch;
  now: () => Date;
  functions: Map<string, FunctionInfo>;
  /** The configuration the plan was made from. */
  planned: NotificationConfiguration;
}

async function apply(plan: MigrationPlan, ctx: ApplyContext): Promise<number> {
  const { values, io, say } = ctx;
  if (plan.unmappable.length > 0 && !values['drop-unmapped']) {
    io.err(`capture-router migrate: ${plan.unmappable.length} overlapping rule(s) cannot be mapped (above); map their prefixes yourself, or pass --drop-unmapped to remove them anyway (their files would then reach the router unmapped)`);
    return 1;
  }
  if (plan.nextProblem) {
    io.err(`capture-router migrate: S3 would refuse the new configuration: ${plan.nextProblem}`);
    return 1;
  }
  if (plan.replaced.length === 0 && plan.routerPresent) {
    if (values.json) io.out(JSON.stringify({ plan, applied: { mappings: [], swapped: false } }));
    else io.out('nothing to migrate: the router already has the bucket');
    return 0;
  }
  const stamp = ctx.now().toISOString().replace(/[:.]/g, '-');
  const saveTo = values.save ?? `capture-router-migrate-${plan.bucket}-${stamp}.json`;
  const previous = await readConfiguration(ctx.clients, plan.bucket);
  // Someone else's change since the plan would be overwritten by the swap: re-plan instead.
  if (JSON.stringify(previous) !== JSON.stringify(ctx.planned)) {
    io.err(`capture-router migrate: the notification configuration of ${plan.bucket} changed while migrate ran; nothing was changed, run it again`);
    return 1;
  }
  writeFileSync(saveTo, `${JSON.stringify({ bucket: plan.bucket, savedAt: ctx.now().toISOString(), configuration: previous }, null, 2)}\n`, { mode: 0o600 });
  say(`✔ saved the current notification configuration to ${saveTo} (capture-router migrate --rollback ${saveTo} restores it)`);
  const secrets = await storeTokens(plan.mappings, ctx);
  const admin = await adminClient(values, ctx);
  const registered: Array<{ prefix: string; modelId: string; tokenSecretArn?: string }> = [];
  for (const m of plan.mappings) {
    const tokenSecretArn = secrets.get(m.prefix);
    const body = { prefix: m.prefix, modelId: m.modelId, description: `migrated from Lambda ${m.functionName}`, ...(m.arthurHost ? { arthurHost: m.arthurHost } : {}), ...(tokenSecretArn ? { tokenSecretArn } : {}) };
    await admin.request('PUT', '/mappings', { body });
    registered.push({ prefix: m.prefix, modelId: m.modelId, ...(tokenSecretArn ? { tokenSecretArn } : {}) });
    say(`✔ mapping ${m.prefix} → model ${m.modelId}${m.arthurHost ? ` (host ${m.arthurHost})` : ''}${tokenSecretArn ? `, token from ${tokenSecretArn}` : ''}`);
  }
  await ctx.clients.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: plan.bucket, NotificationConfiguration: plan.next as SdkNotificationConfiguration }));
  say(`✔ notification of ${plan.bucket} swapped in one PutBucketNotificationConfiguration: ${plan.replaced.length} rule(s) out, the router's in, ${plan.kept.length} kept`);
  if (values.json) io.out(JSON.stringify({ plan, applied: { savedTo: saveTo, mappings: registered, swapped: true } }));
  else io.out(`migrated ${plan.bucket}: ${registered.length} mapping(s), ${secrets.size} token(s) stored, ${plan.replaced.length} rule(s) replaced by the router's, ${plan.kept.length} kept; the old functions get no more events and can be deleted once you are satisfied`);
  return 0;
}

/** Stores each old function's token in Secrets Manager when allowed; returns prefix → secret ARN. */
async function storeTokens(mappings: ProposedMapping[], ctx: ApplyContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const prefix = ctx.values['secret-prefix'] ?? 'capture-router/';
  for (const m of mappings) {
    if (!m.tokenVariable) continue;
    const name = `${prefix}arthur-token-${m.modelId}`.replace(/[^A-Za-z0-9/_+=.@-]/g, '-');
    const allowed = ctx.values['store-tokens'] || (ctx.confirm ? await ctx.confirm(`store the token of ${m.functionName} (${m.tokenVariable}) in Secrets Manager as ${name}? [y/N] `) : false);
    if (!allowed) {
      ctx.say(`  the token in ${m.functionName}'s ${m.tokenVariable} was not stored: the mapping ${m.prefix} uses the stack's token (--store-tokens stores it)`);
      continue;
    }
    const fn = ctx.functions.get(m.functionArn);
    const value = fn && 'environment' in fn ? fn.environment[m.tokenVariable] : undefined;
    if (!value) continue;
    let arn: string | undefined;
    try {
      arn = (await ctx.clients.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value, Description: `Arthur token of model ${m.modelId}, moved from Lambda ${m.functionName} by capture-router migrate` }))).ARN;
    } catch (error) {
      if ((error as Error).name !== 'ResourceExistsException') throw error;
      arn = (await ctx.clients.secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }))).ARN;
    }
    if (arn) out.set(m.prefix, arn);
    ctx.say(`✔ stored the token of ${m.functionName} in Secrets Manager as ${name} (${arn}); remove ${m.tokenVariable} from the old function's environment`);
  }
  return out;
}

async function adminClient(values: Values, ctx: ApplyContext): Promise<AdminClient> {
  const stack = values.stack ?? (values.stage ? `capture-router-${values.stage}` : undefined);
  const found = await findStack({ flags: { apiUrl: values.endpoint }, stack, region: values.region, env: ctx.env, fetch: ctx.fetch });
  const endpoint = requireResource(found, 'apiUrl', 'migrate --apply');
  return new AdminClient({ endpoint, ...(values.sigv4 ? { sign: true } : {}), region: values.region, env: ctx.env, fetch: ctx.fetch });
}

async function rollback(values: Values, clients: OperatorClients, io: Io, say: (line: string) => void): Promise<number> {
  let saved: { bucket?: string; configuration?: NotificationConfiguration };
  try {
    saved = JSON.parse(readFileSync(values.rollback!, 'utf8'));
  } catch (error) {
    throw new UsageError(`migrate --rollback: cannot read ${values.rollback}: ${(error as Error).message}`);
  }
  if (!saved.bucket || !saved.configuration) throw new UsageError(`migrate --rollback: ${values.rollback} is not a file saved by migrate --apply`);
  if (values.bucket && values.bucket !== saved.bucket) throw new UsageError(`migrate --rollback: ${values.rollback} holds bucket ${saved.bucket}, not ${values.bucket}`);
  await clients.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: saved.bucket, NotificationConfiguration: saved.configuration as SdkNotificationConfiguration }));
  const rules = flattenRules(saved.configuration);
  say(`✔ restored the notification configuration of ${saved.bucket} from ${values.rollback}`);
  if (values.json) io.out(JSON.stringify({ rolledBack: { bucket: saved.bucket, rules: rules.map((r) => r.id) } }));
  else io.out(`rolled back ${saved.bucket}: ${rules.length} rule(s) restored; the mappings and secrets migrate created stay (capture-router mappings delete PREFIX removes a mapping)`);
  return 0;
}

async function terminalConfirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
