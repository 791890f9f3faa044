import http from 'node:http';
import https from 'node:https';
import { ConfigurationError } from '../errors.js';
import type { ArthurApi, ArthurTarget, LookupOutcome, LookupRequest, UploadCaptureRequest, UploadCaptureResult } from './api.js';
import { assertModelId, uploadUrl } from './host-policy.js';
import { lookupInferences } from './lookup.js';
import { INFERENCE_DATA_FIELD, multipartEnvelope } from './multipart.js';
import { UploadExchange } from './upload-exchange.js';

export interface HttpArthurApiOptions {
  /** Cap on the bytes of a 2xx answer held in memory (Arthur may list a failure per inference). Default 8 MiB. */
  maxResponseBytes?: number;
  /** Extra TLS options (a private CA for a self-hosted Arthur, for instance). */
  tls?: Pick<https.AgentOptions, 'ca'>;
  userAgent?: string;
}

/** The header Arthur's own client sends the organization in (arthur-client 1.4.0 `rest/client.py`, `ORG_ID_HEADER`). */
export const ORGANIZATION_HEADER = 'Arthur-Organization-ID';

/**
 * Arthur's SageMaker Data Capture integration over node:http(s): one multipart/form-data POST per part, the
 * file streamed between a precomputed preamble and epilogue, never held in memory; and Arthur's lookup of an
 * inference by partner ID.
 *
 * Connections are not kept alive: a part is megabytes, so a handshake per upload costs little, while a pooled
 * socket that the server (or a load balancer) closed during a Lambda freeze fails the next upload with a reset
 * that the workflow would answer by re-sending the whole part.
 */
export class HttpArthurApi implements ArthurApi {
  private readonly httpAgent = new http.Agent({ keepAlive: false });
  private readonly httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(options: HttpArthurApiOptions = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: false, ...options.tls });
    this.maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
    this.userAgent = options.userAgent ?? 'capture-router';
  }

  uploadCapture(request: UploadCaptureRequest): Promise<UploadCaptureResult> {
    const { body, contentLength } = request;
    let base: URL;
    let modelId: string;
    try {
      ({ base, modelId } = checkTarget(request));
      if (contentLength !== undefined && !(Number.isSafeInteger(contentLength) && contentLength >= 0)) {
        throw new ConfigurationError(`contentLength must be a byte count, got ${contentLength}.`);
      }
    } catch (err) {
      body.destroy();
      return Promise.reject(err);
    }
    const url = uploadUrl(base, modelId);
    const envelope = multipartEnvelope(INFERENCE_DATA_FIELD, request.fileName);
    const headers = { ...this.headersFor(request), 'content-type': envelope.contentType };
    // Without a length Node sends chunked encoding, which some ingress proxies refuse for uploads.
    if (contentLength !== undefined) headers['content-length'] = envelope.head.length + contentLength + envelope.tail.length;
    return new UploadExchange({
      url,
      where: `${url.origin} (model ${modelId})`,
      headers,
      envelope,
      body,
      contentLength,
      token: request.token,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      agent: this.agentFor(url),
      maxResponseBytes: this.maxResponseBytes,
    }).run();
  }

  async lookupInferences(request: LookupRequest): Promise<LookupOutcome> {
    const { base } = checkTarget(request);
    return lookupInferences(base, request, { agent: (url) => this.agentFor(url), headers: this.headersFor(request) });
  }

  /** Releases pooled sockets (none are kept alive, so this matters only to tests that count handles). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private headersFor(target: ArthurTarget): http.OutgoingHttpHeaders {
    return {
      authorization: target.token,
      accept: 'application/json',
      'user-agent': this.userAgent,
      ...(target.organizationId ? { [ORGANIZATION_HEADER]: target.organizationId } : {}),
    };
  }

  private agentFor(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
  }
}

/** The host as a URL and the model ID as a UUID, or a ConfigurationError before any connection. */
function checkTarget(target: ArthurTarget): { base: URL; modelId: string } {
  let base: URL;
  try {
    base = new URL(target.host);
  } catch (err) {
    throw new ConfigurationError(`Arthur host "${target.host.slice(0, 120)}" is not an absolute URL.`, { cause: err });
  }
  const modelId = assertModelId(target.modelId);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new ConfigurationError(`Arthur host "${base.origin}" must use https://.`);
  }
  if (target.organizationId !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(target.organizationId)) {
    // A header value is sent verbatim: a newline or a stray character would be a header injection or a 400.
    throw new ConfigurationError('The Arthur organization ID must be a UUID (letters, digits and "-"), got another value.');
  }
  return { base, modelId };
}
