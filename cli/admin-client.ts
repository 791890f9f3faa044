/**
 * The admin API from the CLI: plain HTTP to the local stack, SigV4-signed HTTPS (service execute-api, the default
 * credential chain) to the deployed HTTP API, whose routes all require IAM authorization.
 */
import { createHash, createHmac } from 'node:crypto';
import { UsageError } from './io.js';

export interface AdminResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, else the text; undefined when empty. */
  body: any;
}

export interface AdminClientOptions {
  /** Base URL of the API, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:4583. */
  endpoint: string;
  /** Sign with SigV4. Default: sign unless the endpoint is a loopback address (the local stack). */
  sign?: boolean;
  region?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** An HTTP error of the admin API, carrying its `{error: {field, rule, message}}` body when it sent one. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const detail = (body as { error?: { message?: string } } | undefined)?.error?.message ?? (body as { message?: string } | undefined)?.message;
    super(`${status}${detail ? ` ${detail}` : typeof body === 'string' && body ? ` ${body.slice(0, 300)}` : ''}`);
    this.name = 'AdminApiError';
    this.status = status;
    this.body = body;
  }
}

export class AdminClient {
  readonly base: URL;
  private readonly sign: boolean;
  private readonly region: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly fetch: typeof fetch;

  constructor(options: AdminClientOptions) {
    try {
      this.base = new URL(options.endpoint);
    } catch {
      throw new UsageError(`--endpoint must be a URL such as https://abc123.execute-api.us-east-1.amazonaws.com, got ${JSON.stringify(options.endpoint)}`);
    }
    this.env = options.env ?? process.env;
    this.sign = options.sign ?? !isLoopbackHost(this.base.hostname);
    this.region = options.region ?? regionOf(this.base.hostname) ?? this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.fetch = options.fetch ?? fetch;
  }

  /** Sends one request; `path` is already URL-encoded, `query` values are not. Throws AdminApiError on ≥ 400. */
  async request(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown; headers?: Record<string, string> } = {}): Promise<AdminResponse> {
    const query = Object.fromEntries(Object.entries(options.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    const search = Object.entries(query).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const fullPath = `${basePath}${path}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.sign) headers = await signRequest({ method, url: this.base, path: fullPath, query, headers, body, region: this.region, service: 'execute-api' });
    const url = `${this.base.origin}${fullPath}${search ? `?${search}` : ''}`;
    let response: Response;
    try {
      response = await this.fetch(url, { method, headers, body });
    } catch (error) {
      throw new UsageError(`cannot reach the admin API at ${this.base.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (response.status >= 400) throw new AdminApiError(response.status, parsed);
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

/**
 * A stack's outputs (OutputKey → OutputValue): a SigV4-signed CloudFormation DescribeStacks. Honours
 * AWS_ENDPOINT_URL_CLOUDFORMATION like the SDK does. Every failure is a UsageError that says to pass the values
 * as flags instead.
 */
export async function stackOutputs(stackName: string, options: { region: string; env?: NodeJS.ProcessEnv; fetch?: typeof fetch }): Promise<Record<string, string>> {
  const env = options.env ?? process.env;
  const endpoint = new URL(env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? env.AWS_ENDPOINT_URL ?? `https://cloudformation.${options.region}.amazonaws.com`);
  const query = { Action: 'DescribeStacks', StackName: stackName, Version: '2010-05-15' };
  const path = endpoint.pathname.replace(/\/+$/, '') || '/';
  let headers: Record<string, string>;
  try {
    headers = await signRequest({ method: 'GET', url: endpoint, path, query, headers: { accept: 'text/xml' }, region: options.region, service: 'cloudformation' });
  } catch (error) {
    throw new UsageError(`--stack ${stackName}: reading its outputs needs AWS credentials, and ${(error as Error).message}; configure them (aws configure, AWS_PROFILE), or pass --endpoint URL instead`);
  }
  const search = Object.entries(query).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${endpoint.origin}${path}?${search}`, { headers });
  } catch (error) {
    throw new UsageError(`cannot reach CloudFormation to read the stack outputs of ${stackName}: ${(error as Error).message}`);
  }
  const xml = await response.text();
  if (!response.ok) {
    const message = /<Message>([\s\S]*?)<\/Message>/.exec(xml)?.[1] ?? `HTTP ${response.status}`;
    throw new UsageError(`cannot read the outputs of stack ${stackName}: ${decodeXml(message)}; pass --endpoint URL instead`);
  }
  // Innermost <member> elements only (a stack is itself a member); element order inside one is not guaranteed.
  const outputs: Record<string, string> = {};
  for (const member of xml.matchAll(/<member>((?:(?!<member>)[\s\S])*?)<\/member>/g)) {
    const body = member[1]!;
    const key = /<OutputKey>([^<]*)<\/OutputKey>/.exec(body)?.[1];
    const value = /<OutputValue>([^<]*)<\/OutputValue>/.exec(body)?.[1];
    if (key && value !== undefined) outputs[decodeXml(key)] = decodeXml(value);
  }
  return outputs;
}

interface SignInput {
  method: string;
  url: URL;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
  region: string;
  service: string;
}

/** SigV4 with @smithy/signature-v4 and the default credential chain (env, profile, SSO, IMDS…), both loaded on demand. */
async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { defaultProvider }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-sdk/credential-provider-node')]);
  const signer = new SignatureV4({ credentials: defaultProvider(), region: input.region, service: input.service, sha256: NodeSha256, uriEscapePath: true });
  try {
    const signed = await signer.sign({
      method: input.method,
      protocol: input.url.protocol,
      hostname: input.url.hostname,
      ...(input.url.port ? { port: Number(input.url.port) } : {}),
      path: input.path,
      query: input.query,
      headers: { ...input.headers, host: input.url.host },
      ...(input.body !== undefined ? { body: input.body } : {}),
    });
    return Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host')) as Record<string, string>;
  } catch (error) {
    throw new UsageError(`cannot sign the request (no AWS credentials?): ${(error as Error).message}`);
  }
}

/** The hash @smithy/signature-v4 asks for, on node:crypto (a keyed instance is an HMAC). */
class NodeSha256 {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('NodeSha256 cannot be reset; create a new one');
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
}

/** abc123.execute-api.eu-west-1.amazonaws.com → eu-west-1. */
function regionOf(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(hostname)?.[1];
}

/** encodeURIComponent plus the characters RFC 3986 reserves, as SigV4's canonical query encodes them. */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
