/**
 * A local SageMaker control plane on SageMaker's JSON 1.1 protocol (`POST /`, `X-Amz-Target: SageMaker.<Action>`):
 * endpoint configurations and endpoints, configuration only (no instances; an endpoint is InService at once).
 * DataCaptureConfig is kept as given — EnableCapture, InitialSamplingPercentage, DestinationS3Uri, KmsKeyId,
 * CaptureOptions, CaptureContentTypeHeader — and DescribeEndpoint answers its summary (EnableCapture,
 * CaptureStatus, CurrentSamplingPercentage, DestinationS3Uri, KmsKeyId: no CaptureOptions, as SageMaker's own
 * DataCaptureConfigSummary). Shapes and limits: SageMaker API Reference, CreateEndpointConfig / DataCaptureConfig /
 * DescribeEndpoint (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfig.html).
 * Errors are SageMaker's ValidationException texts ("Could not find endpoint \"arn…\".", "Cannot create already
 * existing endpoint \"arn…\"." — as quoted in aws/sagemaker-python-sdk#101 and awslabs/spot-tagging-bot-for-digital-assets#2).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../aws-json-protocol.js';

export interface SageMakerApiOptions {
  port?: number;
  region?: string;
  accountId?: string;
}

export interface DataCaptureConfig {
  EnableCapture?: boolean;
  InitialSamplingPercentage: number;
  DestinationS3Uri: string;
  KmsKeyId?: string;
  CaptureOptions: Array<{ CaptureMode: 'Input' | 'Output' | 'InputAndOutput' }>;
  CaptureContentTypeHeader?: { CsvContentTypes?: string[]; JsonContentTypes?: string[] };
}

interface EndpointConfig {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  ProductionVariants: Array<Record<string, unknown>>;
  DataCaptureConfig?: DataCaptureConfig;
  KmsKeyId?: string;
  CreationTime: number;
}

interface Endpoint {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  CreationTime: number;
  LastModifiedTime: number;
}

export interface SageMakerApi {
  url: string;
  close(): Promise<void>;
}

class SageMakerError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'SageMakerError';
  }
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const S3_URI = /^(https|s3):\/\/([^/]+)\/?(.*)$/;
const MODES = new Set(['Input', 'Output', 'InputAndOutput']);
const invalid = (message: string) => new SageMakerError('ValidationException', message);

export async function startSageMakerApi(options: SageMakerApiOptions = {}): Promise<SageMakerApi> {
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  // SageMaker ARNs carry the resource name in lower case.
  const arn = (kind: string, name: string) => `arn:aws:sagemaker:${region}:${account}:${kind}/${name.toLowerCase()}`;
  const configs = new Map<string, EndpointConfig>();
  const endpoints = new Map<string, Endpoint>();
  const now = () => Date.now() / 1000;
  const name = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || !NAME.test(value)) throw invalid(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`);
    return value;
  };
  const config = (n: string) => {
    const c = configs.get(n);
    if (!c) throw invalid(`Could not find endpoint configuration "${arn('endpoint-config', n)}".`);
    return c;
  };
  const endpoint = (n: string) => {
    const e = endpoints.get(n);
    if (!e) throw invalid(`Could not find endpoint "${arn('endpoint', n)}".`);
    return e;
  };

  const actions: Record<string, (body: Record<string, any>) => unknown> = {
    CreateEndpointConfig(body) {
      const n = name(body.EndpointConfigName, 'endpointConfigName');
      const variants = body.ProductionVariants;
      if (!Array.isArray(variants) || variants.length < 1 || variants.length > 10) throw invalid("1 validation error detected: Value null at 'productionVariants' failed to satisfy constraint: Member must have length between 1 and 10");
      if (body.DataCaptureConfig !== undefined) checkDataCapture(body.DataCaptureConfig);
      if (configs.has(n)) throw invalid(`Cannot create already existing endpoint configuration "${arn('endpoint-config', n)}".`);
      const c: EndpointConfig = {
        EndpointConfigName: n,
        EndpointConfigArn: arn('endpoint-config', n),
        ProductionVariants: structuredClone(variants),
        ...(body.DataCaptureConfig ? { DataCaptureConfig: structuredClone(body.DataCaptureConfig) } : {}),
        ...(body.KmsKeyId ? { KmsKeyId: body.KmsKeyId } : {}),
        CreationTime: now(),
      };
      configs.set(n, c);
      return { EndpointConfigArn: c.EndpointConfigArn };
    },
    DescribeEndpointConfig: (body) => config(name(body.EndpointConfigName, 'endpointConfigName')),
    ListEndpointConfigs: (body) =>
      page([...configs.values()], body, (c) => c.EndpointConfigName, (c) => ({ EndpointConfigName: c.EndpointConfigName, EndpointConfigArn: c.EndpointConfigArn, CreationTime: c.CreationTime }), 'EndpointConfigs'),
    DeleteEndpointConfig(body) {
      const n = name(body.EndpointConfigName, 'endpointConfigName');
      config(n);
      configs.delete(n);
      return {};
    },
    CreateEndpoint(body) {
      const n = name(body.EndpointName, 'endpointName');
      const c = config(name(body.EndpointConfigName, 'endpointConfigName'));
      if (endpoints.has(n)) throw invalid(`Cannot create already existing endpoint "${arn('endpoint', n)}".`);
      const t = now();
      endpoints.set(n, { EndpointName: n, EndpointArn: arn('endpoint', n), EndpointConfigName: c.EndpointConfigName, CreationTime: t, LastModifiedTime: t });
      return { EndpointArn: arn('endpoint', n) };
    },
    DescribeEndpoint(body) {
      const e = endpoint(name(body.EndpointName, 'endpointName'));
      // The configuration may have been deleted since; the endpoint keeps running what it was created with.
      const c = configs.get(e.EndpointConfigName);
      const capture = c?.DataCaptureConfig;
      return {
        ...e,
        EndpointStatus: 'InService',
        ProductionVariants: (c?.ProductionVariants ?? []).map((v) => ({
          VariantName: v.VariantName,
          CurrentWeight: v.InitialVariantWeight ?? 1,
          DesiredWeight: v.InitialVariantWeight ?? 1,
          CurrentInstanceCount: v.InitialInstanceCount ?? 1,
          DesiredInstanceCount: v.InitialInstanceCount ?? 1,
        })),
        ...(capture
          ? {
              DataCaptureConfig: {
                EnableCapture: capture.EnableCapture ?? true,
                CaptureStatus: (capture.EnableCapture ?? true) ? 'Started' : 'Stopped',
                CurrentSamplingPercentage: capture.InitialSamplingPercentage,
                DestinationS3Uri: capture.DestinationS3Uri,
                ...(capture.KmsKeyId ? { KmsKeyId: capture.KmsKeyId } : {}),
              },
            }
          : {}),
      };
    },
    ListEndpoints: (body) =>
      page([...endpoints.values()], body, (e) => e.EndpointName, (e) => ({ EndpointName: e.EndpointName, EndpointArn: e.EndpointArn, CreationTime: e.CreationTime, LastModifiedTime: e.LastModifiedTime, EndpointStatus: 'InService' }), 'Endpoints'),
    DeleteEndpoint(body) {
      const n = name(body.EndpointName, 'endpointName');
      endpoint(n);
      endpoints.delete(n);
      return {};
    },
  };

  const server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    readBody(req)
      .then((text) => {
        const action = target.startsWith('SageMaker.') ? actions[target.slice('SageMaker.'.length)] : undefined;
        if (!action) throw new SageMakerError('UnknownOperationException', `The local SageMaker API does not implement ${target || '(no X-Amz-Target)'}`);
        let body: Record<string, any>;
        try {
          body = JSON.parse(text || '{}');
        } catch {
          throw new SageMakerError('SerializationException', 'Request body is not valid JSON');
        }
        send(res, 200, action(body));
      })
      .catch((error: unknown) => {
        if (error instanceof SageMakerError) return send(res, 400, { __type: error.type, Message: error.message });
        send(res, 500, { __type: 'InternalFailure', Message: (error as Error).message });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** DataCaptureConfig's constraints (API_DataCaptureConfig.html): sampling 0–100, an S3 URI, 1–2 capture options. */
function checkDataCapture(d: Record<string, any>): void {
  const p = d.InitialSamplingPercentage;
  if (!Number.isInteger(p) || p < 0 || p > 100) throw invalid(`1 validation error detected: Value '${p}' at 'dataCaptureConfig.initialSamplingPercentage' failed to satisfy constraint: Member must have value between 0 and 100`);
  if (typeof d.DestinationS3Uri !== 'string' || !S3_URI.test(d.DestinationS3Uri)) throw invalid(`1 validation error detected: Value '${d.DestinationS3Uri}' at 'dataCaptureConfig.destinationS3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(https|s3)://([^/])/?(.*)$`);
  const opts = d.CaptureOptions;
  if (!Array.isArray(opts) || opts.length < 1 || opts.length > 2) throw invalid("1 validation error detected: Value at 'dataCaptureConfig.captureOptions' failed to satisfy constraint: Member must have length between 1 and 2");
  for (const o of opts) if (!MODES.has(o?.CaptureMode)) throw invalid(`1 validation error detected: Value '${o?.CaptureMode}' at 'dataCaptureConfig.captureOptions.member.captureMode' failed to satisfy constraint: Member must satisfy enum value set: [Input, Output, InputAndOutput]`);
  const header = d.CaptureContentTypeHeader;
  for (const list of [header?.CsvContentTypes, header?.JsonContentTypes]) {
    if (list !== undefined && (!Array.isArray(list) || list.length < 1 || list.length > 10)) throw invalid("1 validation error detected: Value at 'dataCaptureConfig.captureContentTypeHeader' failed to satisfy constraint: Member must have length between 1 and 10");
  }
}

function page<T>(items: T[], body: Record<string, any>, key: (t: T) => string, summary: (t: T) => unknown, field: string): unknown {
  const max = body.MaxResults ?? 10;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw invalid(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`);
  const contains = typeof body.NameContains === 'string' ? body.NameContains.toLowerCase() : undefined;
  const sorted = items.filter((t) => !contains || key(t).toLowerCase().includes(contains)).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after = typeof body.NextToken === 'string' ? Buffer.from(body.NextToken, 'base64url').toString('utf8') : undefined;
  const start = after === undefined ? 0 : sorted.findIndex((t) => key(t) > after);
  const slice = start === -1 ? [] : sorted.slice(start, start + max);
  const more = start !== -1 && start + max < sorted.length;
  return { [field]: slice.map(summary), ...(more ? { NextToken: Buffer.from(key(slice[slice.length - 1]!)).toString('base64url') } : {}) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() });
  res.end(text);
}
