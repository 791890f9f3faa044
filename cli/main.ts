import { runValidate } from './validate-command.js';
import { runDemo } from './demo-command.js';
import { runLocal } from './local-command.js';
import { runMappings, runReplay } from './admin-commands.js';
import { runExecutions } from './executions-command.js';
import { runMigrate } from './migrate-command.js';
import { runDoctor } from './doctor-command.js';
import { UsageError, type Io, processIo } from './io.js';

const USAGE = `usage: capture-router <command> [options]

commands:
  validate FILE… [--json] [--normalize-to DIR]   check capture files by Arthur's rules (exit 0 valid, 1 invalid, 2 usage/unreadable)
  demo [--keep]                                  the whole pipeline on the local stack with three models (what \`npm start\` runs)
  local [--port-base N] [--data-dir DIR]         run S3, DynamoDB, Step Functions and an Arthur receiver locally until Ctrl-C
  mappings put|get|list|delete|resolve …         manage prefix → model mappings through the admin API (--endpoint URL)
  replay PREFIX [--from ISO --to ISO] [--force]  start executions for captures already in the bucket, skipping delivered ones
  executions list|show …                         what the workflow did with each file: path, retries, outcome, and why
  migrate --bucket B [--apply | --rollback FILE] move a bucket off Arthur's per-model Lambdas: plan, then one notification swap
  doctor ENDPOINT… | --all [--json]              check SageMaker endpoints' capture setup end to end, with the fix for each failure

Run \`capture-router <command> --help\` for a command's options.`;

/** Runs one CLI invocation; resolves to the exit code. Never throws for user mistakes: they are exit code 2. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return await runValidate(rest, io);
      case 'demo':
        return await runDemo(rest, io);
      case 'local':
        return await runLocal(rest, io);
      case 'mappings':
        return await runMappings(rest, io);
      case 'replay':
        return await runReplay(rest, io);
      case 'executions':
        return await runExecutions(rest, io);
      case 'migrate':
        return await runMigrate(rest, io);
      case 'doctor':
        return await runDoctor(rest, io);
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
