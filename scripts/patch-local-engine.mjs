// Fixes one bug of aws-local-stepfunctions 3.0.0, the engine the local stack runs the ASL with, in place (as
// patch-package would; run by `prepare`, so `npm install` and `npm ci` apply it, and idempotent).
//
// The bug: every intrinsic function that returns a string has ALL its backslashes removed
// (`result = result.replaceAll("\\", "")` in BaseIntrinsicFunction.call). That is meant for the escapes of
// States.Format's template, but it also corrupts States.JsonToString: JSON of a string holding a quote is
// `"a \"b\""`, which the engine turns into `"a "b""`, and the next States.StringToJson fails. AWS returns valid
// JSON from States.JsonToString (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html,
// "States.JsonToString"), so the ingest workflow's partsJson round trip (statemachines/ingest.asl.yml) works there
// and failed here for any refusal message or partner ID with a quote.
// The fix keeps the stripping for every function but States.JsonToString.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const BUGGY = 'result = result.replaceAll("\\\\", "");';
const FIXED = 'result = this.funcDefinition.name === "States.JsonToString" ? result : result.replaceAll("\\\\", "");';

export function patchLocalEngine() {
  const require = createRequire(import.meta.url);
  let main;
  try {
    main = require.resolve('aws-local-stepfunctions');
  } catch {
    return { patched: [], skipped: 'aws-local-stepfunctions is not installed (a production install): nothing to patch' };
  }
  const build = dirname(main);
  const patched = [];
  for (const file of ['main.node.esm.js', 'main.node.cjs', 'main.browser.esm.js']) {
    const path = join(build, file);
    let text;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    if (text.includes(FIXED)) continue;
    if (!text.includes(BUGGY)) throw new Error(`patch-local-engine: ${path} has neither the known bug nor its fix; check the aws-local-stepfunctions version`);
    writeFileSync(path, text.replace(BUGGY, FIXED));
    patched.push(file);
  }
  return { patched };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { patched, skipped } = patchLocalEngine();
  if (skipped) console.log(skipped);
  else if (patched.length > 0) console.log(`patch-local-engine: States.JsonToString keeps its escapes in ${patched.join(', ')}`);
}
