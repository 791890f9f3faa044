/**
 * A local Lambda control plane on Lambda's REST JSON protocol (paths /2015-03-31/functions/…): CreateFunction,
 * GetFunctionConfiguration, GetFunction, ListFunctions — configuration only, no code runs. Enough for the real
 * LambdaClient and `aws lambda …` to create Arthur's per-model functions and for `capture-router migrate` to read
 * them back. Errors as Lambda sends them: status, `x-amzn-ErrorType` header, body `{"Type":"User","Message":…}`
 * (Lambda API Reference, "Common Errors" and each action's Errors section,
 * https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../aws-json-protocol.js';

export interface LambdaApiOptions {
  /** 0 or absent: a free port. */
  port?: number;
  region?: string;
  accountId?: string;
}

export interface LocalFunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Role: string;
  Handler?: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  State: 'Active';
  LastUpdateStatus: 'Successful';
  PackageType: 'Zip' | 'Image';
  Architectures: string[];
}

export interface LambdaApi {
  url: string;
  /** The functions created, by name. */
  functions: ReadonlyMap<string, LocalFunctionConfiguration>;
  close(): Promise<void>;
}

class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'LambdaError';
  }
}

// Lambda's limits: names 1–64 of [a-zA-Z0-9-_], memory 128–10,240 MB, timeout 1–900 s (Lambda quotas,
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; CreateFunction's FunctionName pattern).
const NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

export async function startLambdaApi(options: LambdaApiOptions = {}): Promise<LambdaApi> {
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  const functions = new Map<string, LocalFunctionConfiguration>();
  const arnOf = (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`;
  /** FunctionName may be a name, a full ARN or a partial ARN (account:function:name). */
  const nameOf = (ref: string) => /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(ref)?.[1] ?? ref;
  const find = (ref: string) => {
    const fn = functions.get(nameOf(ref));
    if (!fn) throw new LambdaError(404, 'ResourceNotFoundException', `Function not found: ${arnOf(nameOf(ref))}`);
    return fn;
  };

  const create = (body: Record<string, any>): LocalFunctionConfiguration => {
    const name = body.FunctionName;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new LambdaError(400, 'ValidationException', `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`);
    }
    if (typeof body.Role !== 'string' || !ROLE.test(body.Role)) {
      throw new LambdaError(400, 'ValidationException', `1 validation error detected: Value '${body.Role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`);
    }
    const packageType = body.PackageType ?? 'Zip';
    const code = body.Code ?? {};
    if (packageType === 'Zip' && !(code.ZipFile || code.S3Bucket)) throw new LambdaError(400, 'InvalidParameterValueException', 'Please provide a source for function code.');
    if (packageType === 'Zip' && (!body.Runtime || !body.Handler)) throw new LambdaError(400, 'InvalidParameterValueException', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
    const memory = body.MemorySize ?? 128;
    if (!Number.isInteger(memory) || memory < 128 || memory > 10_240) throw new LambdaError(400, 'ValidationException', `1 validation error detected: Value '${memory}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240`);
    const timeout = body.Timeout ?? 3;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) throw new LambdaError(400, 'ValidationException', `1 validation error detected: Value '${timeout}' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900`);
    const variables = body.Environment?.Variables;
    if (variables !== undefined && (typeof variables !== 'object' || Object.values(variables).some((v) => typeof v !== 'string'))) {
      throw new LambdaError(400, 'InvalidParameterValueException', 'Environment variable values must be strings.');
    }
    // Lambda's 4 KB limit on all environment variables together (Lambda quotas, above).
    if (variables && Buffer.byteLength(JSON.stringify(variables)) > 4096) throw new LambdaError(400, 'InvalidParameterValueException', 'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.');
    if (functions.has(name)) throw new LambdaError(409, 'ResourceConflictException', `Function already exist: ${name}`);
    const zip = typeof code.ZipFile === 'string' ? Buffer.from(code.ZipFile, 'base64') : Buffer.alloc(0);
    const fn: LocalFunctionConfiguration = {
      FunctionName: name,
      FunctionArn: arnOf(name),
      ...(packageType === 'Zip' ? { Runtime: body.Runtime, Handler: body.Handler } : {}),
      Role: body.Role,
      CodeSize: zip.length,
      Description: body.Description ?? '',
      Timeout: timeout,
      MemorySize: memory,
      LastModified: new Date().toISOString().replace('Z', '+0000'),
      CodeSha256: createHash('sha256').update(zip).digest('base64'),
      Version: '$LATEST',
      ...(variables ? { Environment: { Variables: { ...variables } } } : {}),
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: packageType,
      Architectures: body.Architectures ?? ['x86_64'],
    };
    functions.set(name, fn);
    return fn;
  };

  const list = (query: URLSearchParams) => {
    const maxText = query.get('MaxItems');
    const max = maxText === null ? 50 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > 10_000) throw new LambdaError(400, 'ValidationException', `1 validation error detected: Value '${maxText}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`);
    const names = [...functions.keys()].sort();
    const marker = query.get('Marker');
    let start = 0;
    if (marker) {
      const decoded = Buffer.from(marker, 'base64url').toString('utf8');
      // The marker names the last function of the previous page: the next page starts after it.
      start = names.findIndex((n) => n > decoded);
      if (start === -1) start = names.length;
    }
    const page = names.slice(start, start + max);
    const more = start + max < names.length;
    return { Functions: page.map((n) => functions.get(n)!), ...(more ? { NextMarker: Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url') } : {}) };
  };

  const handle = async (req: IncomingMessage): Promise<[number, unknown]> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    if (path === '/2015-03-31/functions' && method === 'POST') {
      const text = await readBody(req);
      let body: Record<string, any>;
      try {
        body = JSON.parse(text || '{}');
      } catch {
        throw new LambdaError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
      }
      return [201, create(body)];
    }
    if (path === '/2015-03-31/functions' && method === 'GET') return [200, list(url.searchParams)];
    const match = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?$/.exec(path);
    if (match && method === 'GET') {
      const fn = find(decodeURIComponent(match[1]!));
      if (match[2]) return [200, fn];
      return [200, { Configuration: fn, Code: { RepositoryType: 'S3', Location: `https://awslambda-${region}-tasks.s3.${region}.amazonaws.com/snapshots/${account}/${fn.FunctionName}` } }];
    }
    throw new LambdaError(404, 'UnknownOperationException', `The local Lambda API does not implement ${method} ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req).then(
      ([status, body]) => send(res, status, body),
      (error: unknown) => {
        if (error instanceof LambdaError) return send(res, error.status, { Type: 'User', Message: error.message }, error.type);
        send(res, 500, { Type: 'Service', Message: (error as Error).message }, 'ServiceException');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    functions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  res.end(text);
}
