import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findStack, requireResource } from '../../../cli/stack-target.js';
import { UsageError } from '../../../cli/io.js';

const ARN = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
const machines = (...names: string[]) => async () => names.map((name) => ({ name, stateMachineArn: ARN(name) }));

/** A CloudFormation DescribeStacks answer with Parameters and Tags around the Outputs, members in any order. */
function describeStacks(outputs: Record<string, string>): string {
  const members = Object.entries(outputs)
    .map(([k, v], i) => (i % 2 ? `<member><OutputValue>${v}</OutputValue><OutputKey>${k}</OutputKey></member>` : `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`))
    .join('');
  return `<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName>
    <Parameters><member><ParameterKey>stage</ParameterKey><ParameterValue>prod</ParameterValue></member></Parameters>
    <Outputs>${members}</Outputs><Tags><member><Key>k</Key><Value>v</Value></member></Tags></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`;
}

const credentials = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' };

describe('findStack', () => {
  // The signer reads the default credential chain, which reads process.env.
  const saved = { ...process.env };
  beforeAll(() => void Object.assign(process.env, credentials));
  afterAll(() => {
    process.env = saved;
  });

  it('prefers a flag to a variable, and names where each value came from', async () => {
    const found = await findStack({ flags: { stateMachineArn: ARN('flagged') }, env: { CAPTURE_ROUTER_STATE_MACHINE_ARN: ARN('env'), INGESTIONS_TABLE: 't' } });
    expect(found.stateMachineArn).toBe(ARN('flagged'));
    expect(found.ingestionsTable).toBe('t');
    expect(found.sources).toEqual({ stateMachineArn: 'flag', ingestionsTable: 'env:INGESTIONS_TABLE' });
  });

  it('discovers the one ingest state machine behind AWS_ENDPOINT_URL_SFN, and the local names that go with it', async () => {
    const found = await findStack({ env: { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4582' }, listStateMachines: machines('capture-router-local-ingest', 'other-thing') });
    expect(found).toMatchObject({
      stateMachineArn: ARN('capture-router-local-ingest'),
      ingestionsTable: 'capture-router-local-ingestions',
      mappingsTable: 'capture-router-local-mappings',
      artifactsBucket: 'capture-router-local-artifacts',
    });
    expect(found.sources.stateMachineArn).toBe('discovered');
  });

  it.each([
    ['two ingest state machines', machines('a-ingest', 'b-ingest')],
    ['none', machines('unrelated')],
    ['an endpoint that fails', async () => Promise.reject(new Error('ECONNREFUSED'))],
  ])('guesses nothing when discovery is ambiguous: %s', async (_name, list) => {
    const found = await findStack({ env: { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:1' }, listStateMachines: list });
    expect(found.stateMachineArn).toBeUndefined();
  });

  it('does not discover against AWS itself (no endpoint variable): a real account may hold many stacks', async () => {
    let asked = false;
    await findStack({ env: {}, listStateMachines: async () => {
        asked = true;
        return [];
      },
    });
    expect(asked).toBe(false);
  });

  it("reads every resource from --stack NAME's outputs, whatever the element order", async () => {
    const outputs = {
      HttpApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      IngestStateMachineArn: ARN('capture-router-prod-ingest'),
      IngestionsTableName: 'prod-IngestionsTable-1',
      MappingsTableName: 'prod-MappingsTable-1',
      ArtifactsBucketName: 'prod-artifacts',
      CaptureBucketName: 'my-captures',
    };
    const seen: string[] = [];
    const fetchFn = (async (url: string) => {
      seen.push(url);
      return new Response(describeStacks(outputs), { status: 200 });
    }) as unknown as typeof fetch;
    const found = await findStack({ stack: 'capture-router-prod', env: { ...credentials, AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9' }, fetch: fetchFn });
    expect(seen[0]).toContain('StackName=capture-router-prod');
    expect(found).toMatchObject({
      apiUrl: outputs.HttpApiUrl,
      stateMachineArn: outputs.IngestStateMachineArn,
      ingestionsTable: outputs.IngestionsTableName,
      mappingsTable: outputs.MappingsTableName,
      artifactsBucket: outputs.ArtifactsBucketName,
      captureBucket: outputs.CaptureBucketName,
    });
    expect(found.sources.apiUrl).toBe('stack:capture-router-prod');
  });

  it("says the stack cannot be read, and what to pass instead, when CloudFormation refuses", async () => {
    const fetchFn = (async () =>
      new Response('<ErrorResponse><Error><Message>Stack with id nope does not exist</Message></Error></ErrorResponse>', { status: 400 })) as unknown as typeof fetch;
    await expect(findStack({ stack: 'nope', env: { ...credentials, AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9' }, fetch: fetchFn })).rejects.toThrow(
      /cannot read the outputs of stack nope: Stack with id nope does not exist; pass --endpoint URL instead/,
    );
  });
});

describe('requireResource', () => {
  it('names the flag, the variable, --stack and the command that prints the variables', () => {
    expect(() => requireResource({ sources: {} }, 'apiUrl', 'capture-router mappings')).toThrow(UsageError);
    expect(() => requireResource({ sources: {} }, 'apiUrl', 'capture-router mappings')).toThrow(
      /capture-router mappings: cannot tell the admin API URL: give --endpoint, set CAPTURE_ROUTER_API_URL, or name a deployed stack with --stack NAME \(its HttpApiUrl output\)\. .*capture-router local/,
    );
  });
});

describe('capture-router --version', () => {
  it("prints the package's version", async () => {
    const { main } = await import('../../../cli/main.js');
    const { readFileSync } = await import('node:fs');
    const out: string[] = [];
    expect(await main(['--version'], { out: (l) => void out.push(l), err: () => {}, isTty: false })).toBe(0);
    expect(out).toEqual([`capture-router ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}`]);
  });
});
