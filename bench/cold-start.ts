/**
 * npm run bench:cold-start — each function's bundle as serverless-esbuild builds it, its size, and its module init
 * time: the import of the bundled handler in a fresh `node` process with the function's environment set, median of
 * --runs (default 7). Where the time goes: the same import is split into Node's own start (an empty module), the
 * AWS SDK packages the bundle leaves external (the Lambda runtime provides them, and they load from its disk as
 * they do here), and the rest — the bundle's own code, its dependencies, and what its module scope builds.
 *
 * Entries come from serverless.yml (`functions.*.handler`, file.export), the build options from its
 * `custom.esbuild` (ESM, `exclude: ['@aws-sdk/*']`, the createRequire banner), so a function added or moved there
 * is measured as deployed. Never passes or fails; prints the 600 KB budget beside each size.
 */
import { build, type Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(values.runs);
const BUDGET_KB = 600;
const OUT = resolve('.bench/cold-start');

interface EsbuildConfig { target?: string; format?: 'esm' | 'cjs'; minify?: boolean; keepNames?: boolean; mainFields?: string[]; exclude?: string[]; external?: string[]; banner?: { js?: string }; outputFileExtension?: string }
const serverless = parseYaml(readFileSync('serverless.yml', 'utf8')) as {
  params?: { default?: Record<string, unknown> };
  provider: { environment?: Record<string, unknown> };
  custom: { esbuild: EsbuildConfig };
  functions: Record<string, { handler: string; environment?: Record<string, unknown>; memorySize?: number }>;
};
const options = serverless.custom.esbuild;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
console.log(`node ${process.version}; esbuild options from serverless.yml custom.esbuild (format ${options.format}, exclude ${JSON.stringify(options.exclude)}); init = median of ${RUNS} fresh processes, split by CPU time; the machine is shared: medians, not means`);

const baseline = await medianImport(await emptyModule(), {});
console.log(`node itself (an empty module): ${baseline.wall.toFixed(0)} ms wall, ${baseline.cpu.toFixed(0)} ms CPU\n`);
console.log('function   bundle (budget 600 KB)   init wall   init CPU = node + @aws-sdk (external) + bundle   largest inputs in the bundle');
for (const [name, fn] of Object.entries(serverless.functions)) {
  const entry = entryOf(fn.handler);
  const outfile = join(OUT, `${name}${options.outputFileExtension ?? '.mjs'}`);
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: options.target,
    format: options.format,
    minify: options.minify,
    keepNames: options.keepNames,
    mainFields: options.mainFields,
    // serverless-esbuild's `exclude` leaves these out of the bundle and out of the package: the runtime has them.
    external: [...(options.exclude ?? []), ...(options.external ?? [])],
    banner: options.banner,
    metafile: true,
    logLevel: 'warning',
  });
  const kb = statSync(outfile).size / 1024;
  const env = environmentOf(fn.environment);
  const sdk = externalSdkImports(result.metafile, outfile);
  const total = await medianImport(outfile, env);
  const sdkOnly = await medianImport(await sdkModule(name, sdk), env);
  const flag = kb > BUDGET_KB ? '  OVER BUDGET' : '';
  console.log(
    `${name.padEnd(10)} ${`${kb.toFixed(0)} KB`.padStart(8)}${flag.padEnd(16)} ${`${total.wall.toFixed(0)} ms`.padStart(9)}   ${`${total.cpu.toFixed(0)} ms`.padStart(8)} = ${baseline.cpu.toFixed(0)} + ${Math.max(0, sdkOnly.cpu - baseline.cpu).toFixed(0)} + ${Math.max(0, total.cpu - sdkOnly.cpu).toFixed(0)} ms   ${largestInputs(result.metafile, outfile)}`,
  );
  console.log(`${''.padEnd(10)} external SDK: ${sdk.length > 0 ? sdk.join(', ') : '(none)'}`);
}

/** `functions/validate/handler.handler` → functions/validate/handler.ts (the last dot separates the export). */
function entryOf(handler: string): string {
  const file = handler.slice(0, handler.lastIndexOf('.'));
  const found = ['.ts', '.mts', '.js', '.mjs'].map((ext) => `${file}${ext}`).find((path) => existsSync(path));
  if (!found) throw new Error(`serverless.yml handler ${handler}: no ${file}.ts/.js`);
  return found;
}

/** The function's environment as deployed, with CloudFormation references replaced by names of the same shape. */
function environmentOf(own: Record<string, unknown> = {}): Record<string, string> {
  const env: Record<string, string> = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (const [key, raw] of Object.entries({ ...serverless.provider.environment, ...own })) {
    // ${param:x} → params.default.x (the stage's default); ${sls:stage} → dev; other references → a name.
    const value = typeof raw === 'string' ? raw.replace(/\$\{param:([^}]+)\}/g, (_, p: string) => String(serverless.params?.default?.[p] ?? '')).replace(/\$\{sls:stage\}/g, 'dev') : raw;
    env[key] = typeof value === 'string' && !value.includes('${') ? value : key.endsWith('_ARN') ? `arn:aws:states:us-east-1:000000000000:stateMachine:${key.toLowerCase()}` : key.toLowerCase().replace(/_/g, '-');
  }
  return env;
}

function externalSdkImports(metafile: Metafile, outfile: string): string[] {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === outfile)?.[1];
  return [...new Set((output?.imports ?? []).filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path))].sort();
}

function largestInputs(metafile: Metafile, outfile: string): string {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === outfile)?.[1];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? 'project code';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(0)} KB`).join(', ');
}

async function emptyModule(): Promise<string> {
  const file = join(OUT, 'empty.mjs');
  writeFileSync(file, 'export {};\n');
  return file;
}

async function sdkModule(name: string, packages: string[]): Promise<string> {
  const file = join(OUT, `${name}-sdk-only.mjs`);
  writeFileSync(file, `${packages.map((p, i) => `import * as m${i} from '${p}';`).join('\n')}\nexport const loaded = [${packages.map((_, i) => `m${i}`).join(', ')}].length;\n`);
  return file;
}

/** Median wall time of `import(file)` in fresh processes, from the process's start (node's own boot included). */
async function medianImport(file: string, env: Record<string, string>): Promise<{ wall: number; cpu: number }> {
  // performance.now() counts from the process's time origin: node's boot, then the import.
  // CPU time (user + system, all threads) is what a busy shared machine disturbs least; wall time is printed too.
  const script = `await import(${JSON.stringify(`file://${file}`)}); const c = process.cpuUsage(); console.log(performance.now(), (c.user + c.system) / 1000);`;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: OUT });
    const [w, c] = stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
    wall.push(w!);
    cpu.push(c!);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(wall), cpu: median(cpu) };
}
