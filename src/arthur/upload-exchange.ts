import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { ArthurUnavailableError, StorageUnavailableError } from '../errors.js';
import type { UploadCaptureResult } from './api.js';
import type { MultipartEnvelope } from './multipart.js';
import { bodyExcerpt, CappedBody, parseAcceptedAnswer, redactToken } from './response.js';
import { sourceError, statusError, unreachable } from './status-errors.js';

/** Error answers are only read for the message; a few KB say what went wrong. */
const ERROR_BODY_BYTES = 16 * 1024;

/** Everything one upload needs, checked and built by HttpArthurApi. */
export interface UploadPlan {
  url: URL;
  /** `origin (model id)`, for messages. */
  where: string;
  headers: http.OutgoingHttpHeaders;
  envelope: MultipartEnvelope;
  body: Readable;
  contentLength?: number;
  token: string;
  timeoutMs: number;
  signal?: AbortSignal;
  agent: http.Agent;
  maxResponseBytes: number;
}

/**
 * One multipart POST: the file streamed between the envelope's head and tail, one deadline over the whole
 * exchange, and the first of answer, failure, timeout or abort settling it. Once settled with an error, the
 * request and the body are destroyed.
 */
export class UploadExchange {
  private settled = false;
  private responded = false;
  private bytesSent = 0;
  private readonly started = performance.now();
  private timer?: NodeJS.Timeout;
  private outgoing?: http.ClientRequest;
  private resolve!: (result: UploadCaptureResult) => void;
  private reject!: (err: Error) => void;
  private readonly onAbort = (): void =>
    this.fail(
      new ArthurUnavailableError(
        `The upload to Arthur at ${this.plan.where} was aborted after ${this.bytesSent} bytes, before the Lambda ` +
          'timeout; the workflow retries the part.',
      ),
    );

  constructor(private readonly plan: UploadPlan) {}

  run(): Promise<UploadCaptureResult> {
    return new Promise<UploadCaptureResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      if (this.plan.signal?.aborted) {
        // Nothing has been sent yet: the request is never created.
        this.settled = true;
        this.plan.body.destroy();
        reject(new ArthurUnavailableError(`The upload to Arthur at ${this.plan.where} was aborted before it started.`));
        return;
      }
      this.timer = setTimeout(() => this.fail(this.timeoutError()), this.plan.timeoutMs);
      this.plan.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.start();
    });
  }

  private start(): void {
    const { url, headers, agent } = this.plan;
    const transport = url.protocol === 'https:' ? https : http;
    const outgoing = transport.request(url, { method: 'POST', headers, agent });
    this.outgoing = outgoing;
    outgoing.on('response', (res) => this.onResponse(res));
    outgoing.on('error', (err) => {
      // Once Arthur has answered (say 413 before the whole body went out), a failing write is expected
      // and the answer is what counts.
      if (!this.responded) this.fail(unreachable(err, this.plan.where, this.bytesSent, 'while sending the file'));
    });
    this.sendBody().catch((err: unknown) => {
      if (this.settled || this.responded) return;
      this.fail(sourceError(err, this.bytesSent));
    });
  }

  private onResponse(res: http.IncomingMessage): void {
    this.responded = true;
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    const captured = new CappedBody(ok ? this.plan.maxResponseBytes : ERROR_BODY_BYTES, ok ? 64 * 1024 : 0);
    const cut = (err: Error) => this.fail(unreachable(err, this.plan.where, this.bytesSent, 'while reading its answer'));
    res.on('data', (chunk: Buffer) => captured.push(chunk));
    res.on('error', cut);
    res.on('aborted', () => cut(new Error('connection closed')));
    res.on('end', () => {
      if (!ok) {
        this.fail(statusError(status, res.headers, bodyExcerpt(captured.headText(), this.plan.token), this.plan.where));
        return;
      }
      const answer = parseAcceptedAnswer(captured);
      // Arthur's messages travel into the workflow state and the ingestion record: never with the token in them.
      const failures = answer.failures.map((f) => ({ ...f, message: redactToken(f.message, this.plan.token) }));
      this.succeed({ status, ...answer, failures, bytesSent: this.bytesSent, durationMs: Math.round(performance.now() - this.started) });
    });
  }

  private async sendBody(): Promise<void> {
    const outgoing = this.outgoing!;
    const { envelope, contentLength } = this.plan;
    outgoing.write(envelope.head);
    for await (const chunk of this.plan.body as AsyncIterable<Buffer | string>) {
      if (this.settled || this.responded) return; // leaving the loop destroys the body stream
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.bytesSent += bytes.length;
      if (contentLength !== undefined && this.bytesSent > contentLength) {
        throw new StorageUnavailableError(
          `The capture body is longer than its announced ${contentLength} bytes (the object changed while ` +
            'it was read?); nothing more was sent and the upload was abandoned.',
        );
      }
      if (!outgoing.write(bytes)) await drained(outgoing);
    }
    if (this.settled || this.responded) return;
    if (contentLength !== undefined && this.bytesSent !== contentLength) {
      throw new StorageUnavailableError(
        `The capture body ended after ${this.bytesSent} of its announced ${contentLength} bytes; ` +
          'the upload was abandoned before Arthur could take a truncated file.',
      );
    }
    outgoing.end(envelope.tail);
  }

  private timeoutError(): ArthurUnavailableError {
    return new ArthurUnavailableError(
      `Arthur at ${this.plan.where} did not answer within ${this.plan.timeoutMs} ms (${this.bytesSent} bytes of the ` +
        `file sent, ${this.responded ? 'answer started' : 'no answer yet'}); the workflow retries the part. If ` +
        'this recurs, check the network path to Arthur or raise ARTHUR_TIMEOUT_MS.',
    );
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.plan.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }

  private succeed(result: UploadCaptureResult): void {
    if (this.finish()) this.resolve(result);
  }

  private fail(err: Error): void {
    if (!this.finish()) return;
    this.outgoing?.destroy();
    this.plan.body.destroy();
    this.reject(err);
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
