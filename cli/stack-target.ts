/**
 * How every command finds the stack it talks to, the same way: an explicit flag, else the variable
 * `capture-router local` prints, else the outputs of `--stack NAME` (CloudFormation DescribeStacks), else — only
 * against an endpoint set by AWS_ENDPOINT_URL_SFN — discovery where it is unambiguous (one ingest state machine).
 * What stays missing is refused with a UsageError naming the flag or variable that supplies it and the command
 * that prints it, never a bare SDK error.
 */
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { stackOutputs } from './admin-client.js';
import { UsageError } from './io.js';

/** What a command may need of a stack; each field names where it came from in `sources`. */
export interface StackResources {
  apiUrl?: string;
  stateMachineArn?: string;
  ingestionsTable?: string;
  mappingsTable?: string;
  artifactsBucket?: string;
  captureBucket?: string;
}
export type ResourceName = keyof StackResources;

/** Flag, environment variable(s) and stack output of each resource: the one table the messages are written from. */
export const RESOURCE_SOURCES: Record<ResourceName, { flag: string; env: string[]; output: string; what: string }> = {
  apiUrl: { flag: '--endpoint', env: ['CAPTURE_ROUTER_API_URL'], output: 'HttpApiUrl', what: 'the admin API URL' },
  stateMachineArn: {
    flag: '--state-machine-arn',
    env: ['CAPTURE_ROUTER_STATE_MACHINE_ARN', 'STATE_MACHINE_ARN'],
    output: 'IngestStateMachineArn',
    what: 'the ingest state machine',
  },
  ingestionsTable: { flag: '--ingestions-table', env: ['CAPTURE_ROUTER_INGESTIONS_TABLE', 'INGESTIONS_TABLE'], output: 'IngestionsTableName', what: 'the ingestions table' },
  mappingsTable: { flag: '--mappings-table', env: ['MAPPINGS_TABLE'], output: 'MappingsTableName', what: 'the mappings table' },
  artifactsBucket: { flag: '--artifacts-bucket', env: ['CAPTURE_ROUTER_ARTIFACTS_BUCKET'], output: 'ArtifactsBucketName', what: 'the artifacts bucket' },
  captureBucket: { flag: '--bucket', env: ['CAPTURE_BUCKET'], output: 'CaptureBucketName', what: 'the capture bucket' },
};

export interface FindStackOptions {
  /** Values given as flags, by resource. */
  flags?: Partial<StackResources>;
  stack?: string;
  region?: string;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Lists state machines for local discovery; default a real SFNClient on AWS_ENDPOINT_URL_SFN. */
  listStateMachines?: () => Promise<Array<{ name: string; stateMachineArn: string }>>;
}

export interface FoundStack extends StackResources {
  /** Where each resource came from: `flag`, `env:NAME`, `stack:NAME`, `discovered`. */
  sources: Partial<Record<ResourceName, string>>;
}

/**
 * Resolves what it can of a stack. Never throws for a missing resource (commands ask with `require`); throws a
 * UsageError when `--stack` names a stack whose outputs cannot be read.
 *
 * @example
 * const stack = await findStack({ env: process.env, stack: 'capture-router-prod' });
  * requireResource(stack, 'stateMachineArn', 'executions list');
 */
export async function findStack(options: FindStackOptions): Promise<FoundStack> {
  const found: FoundStack = { sources: {} };
  const names = Object.keys(RESOURCE_SOURCES) as ResourceName[];
  for (const name of names) {
    const flag = options.flags?.[name];
    if (flag) {
      found[name] = flag;
      found.sources[name] = 'flag';
      continue;
    }
    const variable = RESOURCE_SOURCES[name].env.find((v) => options.env[v]?.trim());
    if (variable) {
      found[name] = options.env[variable]!.trim();
      found.sources[name] = `env:${variable}`;
    }
  }
  if (options.stack) {
    const region = regionOf(options);
    const outputs = await stackOutputs(options.stack, { region, env: options.env, fetch: options.fetch });
    for (const name of names) {
      const value = outputs[RESOURCE_SOURCES[name].output];
      if (found[name] === undefined && value) {
        found[name] = value;
        found.sources[name] = `stack:${options.stack}`;
      }
    }
  } else if (found.stateMachineArn === undefined && options.env.AWS_ENDPOINT_URL_SFN) {
    await discoverLocal(found, options);
  }
  return found;
}

/**
 * Against a Step Functions endpoint of one's own (the local stack), exactly one state machine named `…-ingest`
 * is the ingest workflow; its stem names the local stack's tables and artifacts bucket (local/stack.ts names them
 * `{stem}-ingestions`, `{stem}-mappings`, `{stem}-artifacts`). Two or more: ambiguous, nothing is guessed.
 */
async function discoverLocal(found: FoundStack, options: FindStackOptions): Promise<void> {
  const list = options.listStateMachines ?? (() => listStateMachines(options));
  let machines: Array<{ name: string; stateMachineArn: string }>;
  try {
    machines = await list();
  } catch {
    return; // The endpoint is down or is not Step Functions: the missing-resource message says what to pass.
  }
  const ingest = machines.filter((m) => m.name.endsWith('-ingest'));
  if (ingest.length !== 1) return;
  const stem = ingest[0]!.name.slice(0, -'-ingest'.length);
  const derived: Partial<StackResources> = {
    stateMachineArn: ingest[0]!.stateMachineArn,
    ingestionsTable: `${stem}-ingestions`,
    mappingsTable: `${stem}-mappings`,
    artifactsBucket: `${stem}-artifacts`,
  };
  for (const [name, value] of Object.entries(derived) as Array<[ResourceName, string]>) {
    if (found[name] === undefined) {
      found[name] = value;
      found.sources[name] = 'discovered';
    }
  }
}

async function listStateMachines(options: FindStackOptions): Promise<Array<{ name: string; stateMachineArn: string }>> {
  const client = new SFNClient({ region: regionOf(options) });
  try {
    const out: Array<{ name: string; stateMachineArn: string }> = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListStateMachinesCommand({ ...(nextToken ? { nextToken } : {}) }));
      for (const m of page.stateMachines ?? []) if (m.name && m.stateMachineArn) out.push({ name: m.name, stateMachineArn: m.stateMachineArn });
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  } finally {
    client.destroy();
  }
}

function regionOf(options: FindStackOptions): string {
  return options.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** The resource, or a UsageError that names every way to supply it. */
export function requireResource(stack: FoundStack, name: ResourceName, command: string): string {
  const value = stack[name];
  if (value) return value;
  const source = RESOURCE_SOURCES[name];
  throw new UsageError(
    `${command}: cannot tell ${source.what}: give ${source.flag}, set ${source.env[0]}, or name a deployed stack with --stack NAME ` +
      `(its ${source.output} output). Against the local stack, \`capture-router local\` prints the export lines to paste.`,
  );
}
