import ts from 'typescript';
import { readFileSync } from 'node:fs';
const files = process.argv.slice(2);
for (const f of files) {
  const src = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (n) => {
    if (ts.isFunctionLike(n) && n.body) {
      const s = src.getLineAndCharacterOfPosition(n.getStart()).line, e = src.getLineAndCharacterOfPosition(n.end).line;
      const len = e - s + 1;
      if (len > Number(process.env.MIN ?? 150)) console.log(len, f + ':' + (s + 1), n.name?.getText?.() ?? '(anon)');
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
}
