// The layering rules of ../README.md "Layout", checked on every `npm run lint`:
//   bin → cli → local → functions → src  (an arrow only points down; a folder never imports one above it)
//   no functions/<a> imports functions/<b>
//   @aws-sdk/* only in src/aws/ adapters, functions/*/handler.ts composition roots, local/ and cli/ (and bench/, tests/)
//   no function or method outside tests/ longer than 150 lines
// Prints each violation with file:line and exits 1 if there is any.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_FUNCTION_LINES = 150;
const RANK = { src: 0, schemas: 0, functions: 1, local: 2, cli: 3, bin: 4 };

const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.startsWith('node_modules/'));
const files = listed.filter((f) => { try { readFileSync(resolve(root, f)); return true; } catch { return false; } });

const problems = [];
const layerOf = (path) => path.split('/')[0];

for (const file of files) {
  const text = readFileSync(resolve(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const layer = layerOf(file);
  const where = (node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

  const checkImport = (node, specifier) => {
    if (specifier.startsWith('@aws-sdk/')) {
      const allowed =
        file.startsWith('src/aws/') ||
        /^functions\/[^/]+\/handler\.ts$/.test(file) ||
        ['local', 'cli', 'bench', 'tests', 'scripts'].includes(layer);
      if (!allowed) problems.push(`${where(node)} imports ${specifier}: only src/aws/, functions/*/handler.ts, local/ and cli/ may`);
      return;
    }
    if (!specifier.startsWith('.')) return;
    const target = relative(root, resolve(root, dirname(file), specifier));
    const targetLayer = layerOf(target);
    if (layer in RANK && targetLayer in RANK && RANK[targetLayer] > RANK[layer]) {
      problems.push(`${where(node)} (${layer}/) imports ${target} (${targetLayer}/): arrows only point down bin → cli → local → functions → src`);
    }
    if (layer in RANK && (targetLayer === 'bench' || targetLayer === 'tests')) {
      problems.push(`${where(node)} imports ${target}: production code never imports ${targetLayer}/`);
    }
    if (layer === 'functions' && targetLayer === 'functions' && file.split('/')[1] !== target.split('/')[1]) {
      problems.push(`${where(node)} imports ${target}: one function never imports another (move the shared code to src/)`);
    }
  };

  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      checkImport(node, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0] ?? {})) {
      checkImport(node, node.arguments[0].text);
    }
    if (layer !== 'tests' && ts.isFunctionLike(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.end).line;
      if (end - start + 1 > MAX_FUNCTION_LINES) {
        const name = node.name?.getText(source) ?? '(anonymous)';
        problems.push(`${where(node)} function ${name} is ${end - start + 1} lines, over ${MAX_FUNCTION_LINES}: split it`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, layering and function length hold`);
