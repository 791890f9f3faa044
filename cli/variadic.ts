/**
 * A flag followed by several values (`--ground-truth label score`), which node:util parseArgs cannot express:
 * the values run until the next token that starts with `-`. The flag may repeat; its values add up.
 */
export function takeVariadic(args: readonly string[], flag: string): { rest: string[]; values?: string[] } {
  const rest: string[] = [];
  let values: string[] | undefined;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] !== flag) {
      rest.push(args[i]!);
      continue;
    }
    values ??= [];
    while (i + 1 < args.length && !args[i + 1]!.startsWith('-')) values.push(args[++i]!);
  }
  return values === undefined ? { rest } : { rest, values };
}
