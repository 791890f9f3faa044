import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { runValidate } from './validate-command.js';
import { packageRoot, type Io } from './io.js';

/**
 * `npm start` until the local stack exists: validates the bundled sample captures, which show every rule at work
 * (some are deliberately invalid), and exits 0 because finding their problems is the point.
 */
export async function runDemo(_argv: string[], io: Io): Promise<number> {
  const dir = join(packageRoot(), 'tests', 'fixtures', 'captures');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort().map((f) => relative(process.cwd(), join(dir, f)));
  io.out(`Validating ${files.length} sample capture files by Arthur's rules (some are invalid on purpose):\n`);
  const code = await runValidate(files, io);
  io.out('\nCheck your own files with: npx capture-router validate path/to/*.jsonl [--json] [--normalize-to DIR]');
  return code === 2 ? 2 : 0;
}
