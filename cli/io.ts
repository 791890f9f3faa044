import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the CLI writes: the process's streams, or a buffer in tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal (colours, progress). */
  isTty: boolean;
  /** Writes a piece of a line to stdout (no newline added): a long line goes out piece by piece. */
  write?(chunk: string | Uint8Array): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTty: Boolean(process.stdout.isTTY),
  write: (chunk) => process.stdout.write(chunk),
};

/** A mistake in how the command was called, or a file that cannot be read: one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The project's root (where package.json is), whether running from src/ (tests) or the bundle in dist/. */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the capture-router package root');
    dir = parent;
  }
  return dir;
}
