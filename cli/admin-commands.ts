/**
 * `capture-router mappings put|get|list|delete|resolve` and `capture-router replay`: the admin API from a terminal,
 * against the local stack (`--endpoint http://127.0.0.1:4583`) or the deployed HTTP API (SigV4, default
 * credential chain; the URL from --endpoint, CAPTURE_ROUTER_API_URL, or the stack's HttpApiUrl output).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AdminApiError, AdminClient } from './admin-client.js';
import { findStack, requireResource } from './stack-target.js';
import { UsageError, type Io } from './io.js';
import { takeVariadic } from './variadic.js';
import { allPages, everyPage, type Page } from '../src/pagination.js';

const CONNECTION_HELP = `connection:
  --endpoint URL   the admin API (local stack: http://127.0.0.1:4583); default $CAPTURE_ROUTER_API_URL
  --stack NAME     read the URL from a deployed stack's HttpApiUrl output (or --stage S for capture-router-S)
  --region R       for the stack lookup and signing; default from the URL, $AWS_REGION, or us-east-1
  --sigv4          sign even a loopback endpoint (requests to AWS are always signed, default credential chain)
  --json           print the API's JSON (one document per line) instead of text`;

const MAPPINGS_HELP = `usage: capture-router mappings <put|get|list|delete|resolve> … [connection options]

  put PREFIX MODEL_ID [--disabled] [--description TEXT] [--arthur-host URL] [--token-secret-arn ARN] [--arthur-org-id ID]
                      [--ground-truth ATTR…] [--if-match VERSION | --create-only]
      create or replace the mapping of PREFIX (normalized as the router matches keys); shows what it shadows.
      --ground-truth: PREFIX holds Model Monitor ground-truth label files for the model's attributes ATTR… (in
      order), sent to Arthur as ground truth joined by partner inference ID (docs/ground-truth.md)
  get PREFIX          show one mapping and its version
  list [--limit N] [--next-token T] [--page]   every mapping (all pages, unless --page)
  delete PREFIX       delete one mapping
  resolve KEY [--etag E] [--size N]            which mapping the router would pick for KEY, and the execution name

Exit code: 0 done, 1 refused or not found by the API, 2 usage error or API unreachable.

${CONNECTION_HELP}`;

const REPLAY_HELP = `usage: capture-router replay PREFIX [--from ISO] [--to ISO] [--dry-run] [--force] [--limit N]
                             [--next-token T] [--page] [--quiet] [connection options]

Lists the objects under PREFIX (only the hour partitions yyyy/mm/dd/hh/ from..to, UTC, when --from is given),
routes each like the router and starts its execution under the router's name: files already delivered are
skipped. --force starts them again under names suffixed with the replay's id (Arthur receives them twice).
Follows continuation tokens until done, unless --page (one bounded call; prints the next token). A line per page
goes to stderr as it runs (listed, started, skipped); --quiet keeps only the summary.

Exit code: 0 done, 1 refused by the API, 2 usage error or API unreachable.

${CONNECTION_HELP}`;

/** The flags every command that talks to the admin API takes (mappings, replay, migrate, doctor). */
export const CONNECTION_OPTIONS = {
  endpoint: { type: 'string' },
  stack: { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  sigv4: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export interface AdminCommandDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export async function runMappings(argv: string[], io: Io, deps: AdminCommandDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(MAPPINGS_HELP);
    return sub === undefined ? 2 : 0;
  }
  const options = {
    ...CONNECTION_OPTIONS,
    disabled: { type: 'boolean' },
    description: { type: 'string' },
    'arthur-host': { type: 'string' },
    'token-secret-arn': { type: 'string' },
    'arthur-org-id': { type: 'string' },
    'if-match': { type: 'string' },
    'create-only': { type: 'boolean' },
    limit: { type: 'string' },
    'next-token': { type: 'string' },
    page: { type: 'boolean' },
    etag: { type: 'string' },
    size: { type: 'string' },
  } as const satisfies ParseArgsConfig['options'];
  const groundTruth = takeVariadic(rest, '--ground-truth');
  if (groundTruth.values?.length === 0) throw new UsageError(`--ground-truth takes the model's ground-truth attribute names\n\n${MAPPINGS_HELP}`);
  const { values, positionals } = parse(groundTruth.rest, options, MAPPINGS_HELP);
  if (values.help) {
    io.out(MAPPINGS_HELP);
    return 0;
  }
  const positional = (count: number, names: string) => {
    if (positionals.length !== count) throw new UsageError(`mappings ${sub} takes ${names}\n\n${MAPPINGS_HELP}`);
    return positionals;
  };
  const json = Boolean(values.json);

  switch (sub) {
    case 'put': {
      const [prefix, modelId] = positional(2, 'PREFIX MODEL_ID');
      if (values['if-match'] !== undefined && values['create-only']) throw new UsageError('use --if-match or --create-only, not both');
      const body = {
        prefix,
        modelId,
        ...(values.disabled ? { enabled: false } : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
        ...(values['arthur-host'] !== undefined ? { arthurHost: values['arthur-host'] } : {}),
        ...(values['token-secret-arn'] !== undefined ? { tokenSecretArn: values['token-secret-arn'] } : {}),
        ...(values['arthur-org-id'] !== undefined ? { organizationId: values['arthur-org-id'] } : {}),
        ...(groundTruth.values ? { kind: 'groundTruth', groundTruthAttributes: groundTruth.values } : {}),
      };
      const headers: Record<string, string> = {};
      if (values['if-match'] !== undefined) headers['if-match'] = `"${values['if-match'].replace(/"/g, '')}"`;
      if (values['create-only']) headers['if-none-match'] = '*';
      return call(io, json, async () => {
        const response = await (await client(values, deps)).request('PUT', '/mappings', { body, headers });
        if (json) return io.out(JSON.stringify(response.body));
        const { mapping, shadows, shadowedBy } = response.body;
        io.out(`${response.status === 201 ? 'created' : 'updated'} ${describeMapping(mapping)}`);
        for (const other of shadows) io.out(`  takes over from ${other.prefix} (model ${other.modelId}) the keys under ${mapping.prefix}`);
        for (const other of shadowedBy) io.out(`  except keys under ${other.prefix}, which keep going to model ${other.modelId}${other.enabled ? '' : ' (disabled)'}`);
        io.out('  routers pick the change up within their cache TTL (mappingCacheTtlSeconds, default 60 s)');
      });
    }
    case 'get': {
      const [prefix] = positional(1, 'PREFIX');
      return call(io, json, async () => {
        const response = await (await client(values, deps)).request('GET', `/mappings/${encodeURIComponent(prefix!)}`);
        io.out(json ? JSON.stringify(response.body) : describeMapping(response.body, true));
      });
    }
    case 'delete': {
      const [prefix] = positional(1, 'PREFIX');
      return call(io, json, async () => {
        await (await client(values, deps)).request('DELETE', `/mappings/${encodeURIComponent(prefix!)}`);
        io.out(json ? JSON.stringify({ deleted: prefix }) : `deleted the mapping of ${prefix}`);
      });
    }
    case 'list': {
      positional(0, 'no positional argument');
      const limit = values.limit === undefined ? undefined : integer('--limit', values.limit);
      return call(io, json, async () => {
        const api = await client(values, deps);
        const fetchPage = async (nextToken: string | undefined): Promise<Page<Record<string, unknown>>> => {
          const page = await api.request('GET', '/mappings', { query: { limit: limit === undefined ? undefined : String(limit), nextToken } });
          return { items: page.body.items, next: page.body.nextToken };
        };
        // --page: one page, and the token of the next; otherwise every page.
        const first = values.page ? await fetchPage(values['next-token']) : undefined;
        const items = first ? [...first.items] : await allPages(fetchPage, values['next-token']);
        const nextToken = first?.next;
        items.sort((a, b) => (String(a.prefix) < String(b.prefix) ? -1 : 1));
        if (json) return io.out(JSON.stringify(nextToken ? { items, nextToken } : { items }));
        if (items.length === 0) io.out('no mappings');
        for (const item of items) io.out(describeMapping(item));
        if (nextToken) io.out(`more: --next-token ${nextToken}`);
      });
    }
    case 'resolve': {
      const [key] = positional(1, 'KEY');
      const size = values.size === undefined ? undefined : String(integer('--size', values.size));
      return call(io, json, async () => {
        const response = await (await client(values, deps)).request('GET', '/resolve', { query: { key, etag: values.etag, size } });
        if (json) return io.out(JSON.stringify(response.body));
        const r = response.body;
        io.out(`key        ${r.key}`);
        io.out(`candidates ${r.candidates.join('  ') || '(none: the key has no folder)'}`);
        io.out(`match      ${r.match ? describeMapping(r.match.mapping) : 'none'}`);
        io.out(`decision   ${DECISIONS[r.decision as string] ?? r.decision}`);
        if (r.execution) {
          const etag = r.object.source === 'none' ? ' (object not found: named without an ETag)' : '';
          io.out(`execution  ${r.execution.name}${etag}`);
        }
      });
    }
    default:
      throw new UsageError(`unknown mappings command "${sub}"\n\n${MAPPINGS_HELP}`);
  }
}

export async function runReplay(argv: string[], io: Io, deps: AdminCommandDeps = {}): Promise<number> {
  const options = {
    ...CONNECTION_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    limit: { type: 'string' },
    'next-token': { type: 'string' },
    page: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  } as const satisfies ParseArgsConfig['options'];
  const { values, positionals } = parse(argv, options, REPLAY_HELP);
  if (values.help) {
    io.out(REPLAY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`replay takes one PREFIX\n\n${REPLAY_HELP}`);
  const limit = values.limit === undefined ? undefined : integer('--limit', values.limit);
  const json = Boolean(values.json);
  const body = {
    prefix: positionals[0],
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.to !== undefined ? { to: values.to } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
    ...(values.force ? { force: true } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
  return call(io, json, async () => {
    const api = await client(values, deps);
    const totals = { listed: 0, started: 0, wouldStart: 0, alreadyDelivered: 0, unrouted: 0, disabled: 0, ignored: 0 };
    let nextToken: string | undefined;
    let pages = 0;
    // Each page of the replay is one call; --page stops after the first (and prints the token of the next).
    const calls = everyPage(async (token) => {
      const page = (await api.request('POST', '/replay', { body: { ...body, ...(token ? { nextToken: token } : {}) } })).body;
      return { items: [page], next: values.page ? undefined : page.nextToken };
    }, values['next-token']);
    for await (const page of calls) {
      pages += 1;
      for (const field of Object.keys(totals) as Array<keyof typeof totals>) totals[field] += page[field] ?? 0;
      nextToken = page.nextToken;
      if (json) io.out(JSON.stringify(page));
      else if (!values.page && !values.quiet) {
        // Progress on stderr, a line per page: a replay of a large prefix takes minutes, and stdout stays the summary.
        const action = values['dry-run'] ? `would start ${page.wouldStart}` : `started ${page.started}`;
        const sofar = values['dry-run'] ? `${totals.wouldStart} would start` : `${totals.started} started`;
        io.err(`page ${pages}: listed ${page.listed}, ${action}, skipped ${page.alreadyDelivered} already delivered (so far: ${totals.listed} listed, ${sofar})`);
      }
      if (!json && values['dry-run']) for (const s of page.sample ?? []) io.out(`would start ${s.name}  ${s.key} → model ${s.modelId}`);
    }
    if (json) return;
    const started = values['dry-run'] ? `would start ${totals.wouldStart} (unless already delivered)` : `started ${totals.started}`;
    io.out(
      `${body.prefix}: listed ${totals.listed}, ${started}, already delivered ${totals.alreadyDelivered}, ` +
        `unrouted ${totals.unrouted}, disabled ${totals.disabled}, not .jsonl ${totals.ignored}`,
    );
    if (nextToken) io.out(`more: --next-token ${nextToken}`);
  });
}

const DECISIONS: Record<string, string> = {
  start: 'the router starts an execution',
  'no-mapping': 'not routed: no mapping matches',
  'mapping-disabled': 'not routed: the matching mapping is disabled',
  'ignored-not-jsonl': 'ignored: not a .jsonl key',
};

function describeMapping(m: Record<string, any>, long = false): string {
  const parts = [`${m.prefix} → model ${m.modelId}`, m.enabled === false ? 'DISABLED' : 'enabled', `version ${m.version ?? '?'}`];
  if (m.arthurHost) parts.push(`host ${m.arthurHost}`);
  if (m.tokenSecretArn) parts.push(`token ${m.tokenSecretArn}`);
  if (m.organizationId) parts.push(`organization ${m.organizationId}`);
  if (m.kind === 'groundTruth') parts.push(`ground truth (${(m.groundTruthAttributes ?? []).join(', ')})`);
  if (long) {
    if (m.description) parts.push(`"${m.description}"`);
    parts.push(`updated ${m.updatedAt}`);
  } else if (m.description) parts.push(`"${m.description}"`);
  return parts.join(', ');
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, help: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help}`);
  }
}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

async function client(values: { endpoint?: string; stack?: string; stage?: string; region?: string; sigv4?: boolean }, deps: AdminCommandDeps): Promise<AdminClient> {
  const env = deps.env ?? process.env;
  // --stage alone names the stack as serverless.yml does (service-stage); nothing at all is a usage error, not a
  // guess at a stack the user may not have.
  const stack = values.stack ?? (values.stage ? `capture-router-${values.stage}` : undefined);
  const found = await findStack({ flags: { apiUrl: values.endpoint }, stack, region: values.region, env, fetch: deps.fetch });
  const endpoint = requireResource(found, 'apiUrl', 'capture-router');
  return new AdminClient({ endpoint, ...(values.sigv4 ? { sign: true } : {}), region: values.region, env, fetch: deps.fetch });
}

/** Runs an API call: 0 when it succeeds, 1 with the API's message when the API refused it. */
async function call(io: Io, json: boolean, run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
    return 0;
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    if (json) io.out(JSON.stringify(error.body ?? { error: { status: error.status, message: error.message } }));
    const hint = error.status === 403 ? ' (the API requires IAM authorization: check your credentials, region and execute-api:Invoke)' : '';
    io.err(`capture-router: ${error.message}${hint}`);
    return 1;
  }
}
