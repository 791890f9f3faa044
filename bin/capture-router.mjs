#!/usr/bin/env node
// Entry point of the `capture-router` command: runs the bundled CLI, building it first when an install skipped
// the `prepare` script (e.g. `npm install --ignore-scripts`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A closed pipe (`capture-router validate … | head`) ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// The project supports Node 20.19+; the SDK's notice that its next major needs Node 22 is noise for a CLI user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  try {
    await import('../scripts/build-cli.mjs');
  } catch (err) {
    console.error(`capture-router: the CLI is not built and could not be built (${err.message}); run \`npm run build\``);
    process.exit(2);
  }
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
