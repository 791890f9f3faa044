// Bundles the TypeScript CLI into dist/cli.mjs (run by `prepare`, so `npx capture-router` works after install).
// Dependencies stay external: they are resolved from node_modules at run time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  // Split along cli/main.ts's dynamic imports: a command loads only its own chunk (and its packages).
  entryPoints: { cli: 'bin/cli.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
