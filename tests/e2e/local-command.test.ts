/** `capture-router local`: starts the stack, prints endpoints and paste-ready variables, stops when told to. */
import { expect, it } from '@jest/globals';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { main } from '../../cli/main.js';
import { runLocal } from '../../cli/local-command.js';

function bufferIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), isTty: false }, out, err };
}

it('serves until stopped and prints the variables the SDK honours', async () => {
  const { io, out } = bufferIo();
  let stop!: () => void;
  const until = new Promise<void>((resolve) => (stop = resolve));
  const running = runLocal(['--port-base', '0'], io, { until });
  // Wait for the banner, then use the printed endpoint as a user would.
  while (!out.some((l) => l.includes('Ctrl-C to stop'))) await new Promise((r) => setTimeout(r, 20));
  const text = out.join('\n');
  // The console is the first endpoint printed: the page a newcomer opens.
  const lines = text.split('\n');
  expect(lines[lines.indexOf('capture-router local stack is up') + 1]).toMatch(/^ {2}Console +http:\/\/127\.0\.0\.1:\d+\/console /);
  const env = Object.fromEntries([...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  expect(Object.keys(env)).toEqual(expect.arrayContaining(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SFN', 'STATE_MACHINE_ARN', 'MAPPINGS_TABLE']));
  const sfn = new SFNClient({ endpoint: env.AWS_ENDPOINT_URL_SFN, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
  sfn.destroy();
  expect(stateMachines?.[0]?.stateMachineArn).toBe(env.STATE_MACHINE_ARN);
  stop();
  expect(await running).toBe(0);
  expect(out.at(-1)).toBe('stopped');
});

it('rejects a bad --port-base with exit code 2', async () => {
  const { io, err } = bufferIo();
  expect(await main(['local', '--port-base', '70000'], io)).toBe(2);
  expect(err.join('\n')).toContain('--port-base');
});

it.each([
  ['--execution-retention', '-1'],
  ['--execution-retention', '3.5'],
  ['--max-part-records', '0'],
  ['--max-part-bytes', 'ten'],
  ['--mapping-cache-ttl', '-5'],
])('rejects %s %s with exit code 2, naming the flag', async (flag, value) => {
  const { io, err } = bufferIo();
  expect(await main(['local', flag, value], io)).toBe(2);
  expect(err.join('\n')).toContain(flag);
});

it('lists --execution-retention, --max-part-records, --max-part-bytes and --mapping-cache-ttl in its help', async () => {
  const { io, out } = bufferIo();
  expect(await runLocal(['--help'], io)).toBe(0);
  for (const flag of ['--execution-retention', '--max-part-records', '--max-part-bytes', '--mapping-cache-ttl']) expect(out.join('\n')).toContain(flag);
});
