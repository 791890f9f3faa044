import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, packageRoot, type Io, processIo } from './io.js';

// Each command is imported when it runs: `validate` then starts without the AWS SDK, the emulators and the other
// commands (scripts/build-cli.mjs splits the bundle along these imports).

const USAGE = `usage: capture-router <command> [options]

commands:
  validate FILE… [--json] [--normalize-to DIR]   check capture files by Arthur's rules (exit 0 valid, 1 invalid, 2 usage/unreadable)
  demo [--keep]                                  the whole pipeline on the local stack with three models (what \`npm start\` runs)
  local [--port-base N] [--data-dir DIR]         run S3, DynamoDB, Step Functions and an Arthur receiver locally until Ctrl-C
  mappings put|get|list|delete|resolve …         manage prefix → model mappings through the admin API (--endpoint URL)
  replay PREFIX [--from ISO --to ISO] [--force]  start executions for captures already in the bucket, skipping delivered ones
  executions list|show …                         what the workflow did with each file: path, retries, outcome, and why
  verify s3://BUCKET/KEY… --model ID             which of a file's inferences Arthur holds (exit 0 all, 1 some missing, 2 usage)
  migrate --bucket B [--apply | --rollback FILE] move a bucket off Arthur's per-model Lambdas: plan, then one notification swap
  doctor ENDPOINT… | --all [--json]              check SageMaker endpoints' capture setup end to end, with the fix for each failure

Run \`capture-router <command> --help\` for a command's options; \`capture-router --version\` prints the version.`;

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs one CLI invocation; resolves to the exit code. Never throws for user mistakes: they are exit code 2. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return await (await import('./validate-command.js')).runValidate(rest, io);
      case 'demo':
        return await (await import('./demo-command.js')).runDemo(rest, io);
      case 'local':
        return await (await import('./local-command.js')).runLocal(rest, io);
      case 'mappings':
        return await (await import('./admin-commands.js')).runMappings(rest, io);
      case 'replay':
        return await (await import('./admin-commands.js')).runReplay(rest, io);
      case 'executions':
        return await (await import('./executions-command.js')).runExecutions(rest, io);
      case 'verify':
        return await (await import('./verify-command.js')).runVerify(rest, io);
      case '--version':
      case '-V':
        io.out(`capture-router ${version()}`);
        return 0;
      case 'migrate':
        return await (await import('./migrate-command.js')).runMigrate(rest, io);
      case 'doctor':
        return await (await import('./doctor-command.js')).runDoctor(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`capture-router: ${err.message}`);
      return 2;
    }
    io.err(`capture-router: unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
