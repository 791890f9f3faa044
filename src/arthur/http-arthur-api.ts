import http from 'node:http';
import https from 'node:https';
import {
  ArthurAuthError,
  ArthurModelNotFoundError,
  ArthurRejectedError,
  ArthurThrottledError,
  ArthurUnavailableError,
  ConfigurationError,
  StorageUnavailableError,
  WORKFLOW_ERROR_NAMES,
} from '../errors.js';
import type { ArthurApi, UploadCaptureRequest, UploadCaptureResult } from './api.js';
import { assertModelId, uploadUrl } from './host-policy.js';
import { INFERENCE_DATA_FIELD, multipartEnvelope } from './multipart.js';
import { bodyExcerpt, CappedBody, parseAcceptedAnswer, parseRetryAfter } from './response.js';

export interface HttpArthurApiOptions {
  /** Cap on the bytes of a 2xx answer held in memory (Arthur lists a result per inference). Default 8 MiB. */
  maxResponseBytes?: number;
  /** Extra TLS options (a private CA for a self-hosted Arthur, for instance). */
  tls?: Pick<https.AgentOptions, 'ca'>;
  userAgent?: string;
}

/** Error answers are only read for the message; a few KB say what went wrong. */
const ERROR_BODY_BYTES = 16 * 1024;

/**
 * Arthur's SageMaker Data Capture integration over node:http(s): one multipart/form-data POST per part, the
 * file streamed between a precomputed preamble and epilogue, never held in memory.
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
    const { token, body, contentLength, timeoutMs, signal } = request;
    let base: URL;
    let modelId: string;
    try {
      base = new URL(request.host);
      modelId = assertModelId(request.modelId);
      if (base.protocol !== 'https:' && base.protocol !== 'http:') {
        throw new ConfigurationError(`Arthur host "${base.origin}" must use https://.`);
      }
      if (contentLength !== undefined && !(Number.isSafeInteger(contentLength) && contentLength >= 0)) {
        throw new ConfigurationError(`contentLength must be a byte count, got ${contentLength}.`);
      }
    } catch (err) {
      body.destroy();
      return Promise.reject(
        err instanceof ConfigurationError
          ? err
          : new ConfigurationError(`Arthur host "${request.host.slice(0, 120)}" is not an absolute URL.`, { cause: err }),
      );
    }
    const url = uploadUrl(base, modelId);
    const where = `${url.origin} (model ${modelId})`;
    const envelope = multipartEnvelope(INFERENCE_DATA_FIELD, request.fileName);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': envelope.contentType,
      authorization: token,
      accept: 'application/json',
      'user-agent': this.userAgent,
    };
    // Without a length Node sends chunked encoding, which some ingress proxies refuse for uploads.
    if (contentLength !== undefined) {
      headers['content-length'] = envelope.head.length + contentLength + envelope.tail.length;
    }
    const started = performance.now();

    return new Promise<UploadCaptureResult>((resolve, reject) => {
      let settled = false;
      let responded = false;
      let bytesSent = 0;

      const settle = (err: Error | undefined, result?: UploadCaptureResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          outgoing.destroy();
          body.destroy();
          reject(err);
        } else {
          resolve(result!);
        }
      };

      const timer = setTimeout(() => {
        settle(
          new ArthurUnavailableError(
            `Arthur at ${where} did not answer within ${timeoutMs} ms (${bytesSent} bytes of the file sent, ` +
              `${responded ? 'answer started' : 'no answer yet'}); the workflow retries the part. If this ` +
              'recurs, check the network path to Arthur or raise ARTHUR_TIMEOUT_MS.',
          ),
        );
      }, timeoutMs);

      const onAbort = (): void => {
        settle(
          new ArthurUnavailableError(
            `The upload to Arthur at ${where} was aborted after ${bytesSent} bytes, before the Lambda timeout; ` +
              'the workflow retries the part.',
          ),
        );
      };
      if (signal?.aborted) {
        // Nothing has been sent yet: the request below is never created.
        settled = true;
        clearTimeout(timer);
        body.destroy();
        reject(new ArthurUnavailableError(`The upload to Arthur at ${where} was aborted before it started.`));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });

      const transport = url.protocol === 'https:' ? https : http;
      const outgoing = transport.request(url, {
        method: 'POST',
        headers,
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
      });

      outgoing.on('response', (res) => {
        responded = true;
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const captured = new CappedBody(ok ? this.maxResponseBytes : ERROR_BODY_BYTES, ok ? 64 * 1024 : 0);
        res.on('data', (chunk: Buffer) => captured.push(chunk));
        res.on('error', (err) => settle(unreachable(err, where, bytesSent, 'while reading its answer')));
        res.on('aborted', () => settle(unreachable(new Error('connection closed'), where, bytesSent, 'while reading its answer')));
        res.on('end', () => {
          if (ok) {
            const answer = parseAcceptedAnswer(captured);
            settle(undefined, {
              status,
              counts: answer.counts,
              failureSample: answer.failureSample,
              alreadyExists: answer.alreadyExists,
              otherFailureSample: answer.otherFailureSample,
              bytesSent,
              durationMs: Math.round(performance.now() - started),
            });
            return;
          }
          settle(statusError(status, res.headers, bodyExcerpt(captured.headText(), token), where));
        });
      });

      outgoing.on('error', (err) => {
        // Once Arthur has answered (say 413 before the whole body went out), a failing write is expected
        // and the answer is what counts.
        if (!responded) settle(unreachable(err, where, bytesSent, 'while sending the file'));
      });

      const sendBody = async (): Promise<void> => {
        outgoing.write(envelope.head);
        for await (const chunk of body as AsyncIterable<Buffer | string>) {
          if (settled || responded) return; // leaving the loop destroys the body stream
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          bytesSent += bytes.length;
          if (contentLength !== undefined && bytesSent > contentLength) {
            throw new StorageUnavailableError(
              `The capture body is longer than its announced ${contentLength} bytes (the object changed while ` +
                'it was read?); nothing more was sent and the upload was abandoned.',
            );
          }
          if (!outgoing.write(bytes)) await drained(outgoing);
        }
        if (settled || responded) return;
        if (contentLength !== undefined && bytesSent !== contentLength) {
          throw new StorageUnavailableError(
            `The capture body ended after ${bytesSent} of its announced ${contentLength} bytes; ` +
              'the upload was abandoned before Arthur could take a truncated file.',
          );
        }
        outgoing.end(envelope.tail);
      };

      sendBody().catch((err: unknown) => {
        if (settled || responded) return;
        settle(sourceError(err, bytesSent));
      });
    });
  }

  /** Releases pooled sockets (none are kept alive, so this matters only to tests that count handles). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Resolves when the request can take more data, or when it has gone (the caller then checks its flags). */
function drained(outgoing: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}

function unreachable(err: Error, where: string, bytesSent: number, phase: string): ArthurUnavailableError {
  const code = (err as NodeJS.ErrnoException).code ?? err.name;
  return new ArthurUnavailableError(
    `The connection to Arthur at ${where} failed ${phase} (${code}: ${err.message}; ${bytesSent} bytes of the ` +
      'file sent); the workflow retries the part. If this persists, check DNS, TLS and the egress route to Arthur.',
    { cause: err },
  );
}

/**
 * The body stream failed (an S3 read cut short): Arthur is not at fault, so no Arthur error name is used. The
 * request was destroyed before its multipart end, so Arthur took nothing of it, and reading again usually works:
 * StorageUnavailableError, which the workflow retries.
 */
function sourceError(err: unknown, bytesSent: number): Error {
  if (err instanceof Error && (WORKFLOW_ERROR_NAMES as readonly string[]).includes(err.name)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageUnavailableError(
    `Reading the capture file failed after ${bytesSent} bytes had been sent to Arthur (${detail}); ` +
      'the upload was abandoned.',
    { cause: err },
  );
}

function statusError(status: number, headers: http.IncomingHttpHeaders, excerpt: string, where: string): Error {
  const said = `HTTP ${status}: ${excerpt}`;
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(headers['retry-after']);
    const after = retryAfterSeconds === undefined ? '' : ` (Retry-After ${retryAfterSeconds} s)`;
    return new ArthurThrottledError(
      `Arthur at ${where} is throttling uploads${after} — ${said}. The workflow retries with backoff; ` +
        'lower the Map concurrency if this is frequent.',
      { retryAfterSeconds },
    );
  }
  if (status >= 500) {
    return new ArthurUnavailableError(
      `Arthur at ${where} failed — ${said}. The workflow retries the part.`,
      { status },
    );
  }
  if (status === 401 || status === 403) {
    return new ArthurAuthError(
      `Arthur at ${where} refused the token — ${said}. Check that the token secret holds a current Arthur API ` +
        'key whose user may write inferences to this model.',
      { status },
    );
  }
  if (status === 404) {
    return new ArthurModelNotFoundError(
      `Arthur at ${where} has no such model — ${said}. Check the model ID of the mapping against Arthur.`,
    );
  }
  if (status >= 400) {
    return new ArthurRejectedError(
      `Arthur at ${where} rejected the file — ${said}. Sending the same bytes again cannot succeed; check the ` +
        'part against Arthur\'s rules (capture-router validate) and its size.',
      { status },
    );
  }
  // Following a redirect would re-send the token to wherever Location points, past the host allowlist.
  const location = typeof headers.location === 'string' ? ` to ${headers.location.slice(0, 200)}` : '';
  return new ConfigurationError(
    `Arthur at ${where} answered HTTP ${status}${location} instead of taking the upload; redirects are not ` +
      'followed. Set the Arthur host to the final https:// address.',
  );
}
