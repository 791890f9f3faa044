import { exportLines, stackBanner } from './stack-banner.js';
import { UsageError, packageRoot, type Io } from './io.js';

const HELP = `usage: capture-router local [--port-base N] [--data-dir DIR] [--arthur-host URL --arthur-token-env VAR]

Runs the whole pipeline in this process until interrupted (Ctrl-C): S3 (s3rver) at N, DynamoDB (dynalite) at N+1,
Step Functions at N+2, the admin API at N+3 (no auth: loopback only), the Arthur receiver at N+4, the console at
N+5 (http://127.0.0.1:N+5/console), the Lambda API at N+6 and SageMaker at N+7 (configuration only, for migrate and
doctor), Secrets Manager at N+8 (the token UploadPart reads; migrate --store-tokens).
Objects put under bucket "datacapture" are routed, validated and uploaded as in AWS.

  --port-base N        first port (default 4580); 0 picks free ports
  --data-dir DIR       keep S3 objects, DynamoDB tables and ended executions in DIR across restarts
  --arthur-host URL    upload to this Arthur instead of the local receiver (needs --arthur-token-env)
  --arthur-token-env V the environment variable holding the token UploadPart sends (a token never goes on the
                       command line, where other users see it in the process list); default: a generated token
                       for the local receiver
  --arthur-org-id ID   send Arthur-Organization-ID: ID with every request (Arthur requires it where the account
                       has several organizations); the local receiver then requires it too
  --execution-retention S  seconds an ended execution's name stays taken (AWS: 90 days, the default)
  --max-part-records N --max-part-bytes N
                       ValidateCapture's part limits, as the deploy params maxPartRecords/maxPartBytes
                       (default 10,000 records, 10 MiB)
  --mapping-cache-ttl S  seconds the router serves a cached mapping lookup, as the deploy param
                       mappingCacheTtlSeconds (default serverless.yml's, 60); 0 = a changed mapping applies at once`;

export interface LocalCommandOptions {
  /** Resolves when the stack should stop. Default: the first SIGINT or SIGTERM. */
  until?: Promise<void>;
}

/** `capture-router local`: starts the local stack, prints its endpoints and environment, and stays up. */
export async function runLocal(argv: string[], io: Io, options: LocalCommandOptions = {}): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  // Loaded here, not at the top: the emulators are heavy and `validate` does not need them.
  const { startLocalStack } = await import('../local/stack.js');
  const stack = await startLocalStack({
    portBase: args.portBase,
    dataDir: args.dataDir,
    arthurHost: args.arthurHost,
    arthurToken: args.arthurToken,
    arthurOrganizationId: args.arthurOrgId,
    rootDir: packageRoot(),
    log: io.out,
    ...(args.executionRetentionSeconds !== undefined ? { executionRetentionSeconds: args.executionRetentionSeconds } : {}),
    ...(args.mappingCacheTtlSeconds !== undefined ? { mappingCacheTtlSeconds: args.mappingCacheTtlSeconds } : {}),
    ...(args.maxPartRecords !== undefined || args.maxPartBytes !== undefined
      ? { partLimits: { maxRecords: args.maxPartRecords ?? 10_000, maxBytes: args.maxPartBytes ?? 10 * 1024 * 1024 } }
      : {}),
  });
  const { endpoints, env } = stack;
  io.out(
    [
      'capture-router local stack is up',
      ...stackBanner(stack),
      '',
      'Environment (paste into another shell):',
      ...exportLines(env),
      '',
      'Try:',
      `  npx capture-router mappings put my-endpoint/ <arthur-model-uuid> --endpoint ${endpoints.admin}`,
      `  aws s3 cp capture.jsonl s3://${stack.captureBucket}/my-endpoint/AllTraffic/2026/01/01/00/capture.jsonl --endpoint-url ${endpoints.s3}`,
      `  npx capture-router executions list        (and: executions show s3://${stack.captureBucket}/KEY)`,
      `  aws stepfunctions list-executions --endpoint-url ${endpoints.sfn} --state-machine-arn ${stack.stateMachineArn}`,
      '',
      'Ctrl-C to stop.',
    ].join('\n'),
  );
  await (options.until ?? untilSignal());
  io.out('stopping the local stack…');
  await stack.close();
  io.out('stopped');
  return 0;
}

interface LocalArgs {
  help: boolean;
  portBase: number;
  dataDir?: string;
  arthurHost?: string;
  arthurToken?: string;
  arthurOrgId?: string;
  executionRetentionSeconds?: number;
  maxPartRecords?: number;
  maxPartBytes?: number;
  mappingCacheTtlSeconds?: number;
}

/** A whole number from `min` up, or a usage error naming the flag. */
function wholeNumber(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`local: ${flag} must be a whole number of at least ${min}, got "${raw}"`);
  return n;
}

function parseArgs(argv: string[]): LocalArgs {
  const args: LocalArgs = { help: false, portBase: 4580 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`local: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--port-base': {
        const raw = value();
        const n = Number(raw);
        // N+8 (Secrets Manager, the last of the stack's ports) must be a valid port too.
        if (!Number.isInteger(n) || n < 0 || n > 65527) throw new UsageError(`local: --port-base must be 0 or a port up to 65527, got "${raw}"`);
        args.portBase = n;
        break;
      }
      case '--data-dir':
        args.dataDir = value();
        break;
      case '--execution-retention':
        args.executionRetentionSeconds = wholeNumber(flag, value(), 0);
        break;
      case '--max-part-records':
        args.maxPartRecords = wholeNumber(flag, value(), 1);
        break;
      case '--max-part-bytes':
        args.maxPartBytes = wholeNumber(flag, value(), 1);
        break;
      case '--mapping-cache-ttl':
        args.mappingCacheTtlSeconds = wholeNumber(flag, value(), 0);
        break;
      case '--arthur-host':
        args.arthurHost = value();
        break;
      case '--arthur-token-env': {
        const variable = value();
        const token = process.env[variable];
        if (!token) throw new UsageError(`local: --arthur-token-env ${variable}: that environment variable is not set or empty`);
        args.arthurToken = token;
        break;
      }
      case '--arthur-org-id':
        args.arthurOrgId = value();
        if (!/^[A-Za-z0-9-]{1,64}$/.test(args.arthurOrgId)) throw new UsageError(`local: --arthur-org-id must be an organization UUID, got "${args.arthurOrgId}"`);
        break;
      default:
        throw new UsageError(`local: unknown option "${flag}"\n\n${HELP}`);
    }
  }
  if (args.arthurHost && !args.arthurToken) throw new UsageError('local: --arthur-host needs --arthur-token-env VAR (the variable holding the Arthur token)');
  return args;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

