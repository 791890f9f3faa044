import type http from 'node:http';
import {
  ArthurAuthError,
  ArthurModelNotFoundError,
  ArthurPaymentRequiredError,
  ArthurRejectedError,
  ArthurThrottledError,
  ArthurUnavailableError,
  ConfigurationError,
  StorageUnavailableError,
  WORKFLOW_ERROR_NAMES,
} from '../errors.js';
import { parseRetryAfter } from './response.js';

/**
 * Arthur's non-2xx answers as the errors the workflow matches. Arthur's API documents 401 (auth), 402 (plan or
 * payment), 403 (forbidden) and 404 (no such model) besides 4xx validation errors and 5xx (DESIGN.md, "Arthur's
 * contract"); arthur-client's `http/validation.py` `validate_response_status` raises one error per class of them.
 */
export function statusError(status: number, headers: http.IncomingHttpHeaders, excerpt: string, where: string): Error {
  const said = `HTTP ${status}: ${excerpt}`;
  if (status === 429) return throttled(headers, said, where);
  if (status >= 500) {
    return new ArthurUnavailableError(`Arthur at ${where} failed — ${said}. The workflow retries the part.`, { status });
  }
  if (status === 401 || status === 403) {
    return new ArthurAuthError(
      `Arthur at ${where} refused the token — ${said}. Check that the token secret holds a current Arthur API ` +
        'key whose user may write inferences to this model, and, where the account has several organizations, ' +
        'that the Arthur organization ID (arthurOrganizationId, or the mapping\'s organizationId) is the model\'s.',
      { status },
    );
  }
  if (status === 402) {
    return new ArthurPaymentRequiredError(
      `Arthur at ${where} refused the upload: the Arthur plan or payment does not allow it — ${said}. Nothing ` +
        'the workflow retries can change that; settle it with Arthur, then replay the file.',
    );
  }
  if (status === 404) {
    return new ArthurModelNotFoundError(
      `Arthur at ${where} answered 404: no such model — or this host does not serve Arthur's v3 API — ${said}. ` +
        'Check the model ID of the mapping against Arthur, and that the Arthur host is the API host.',
    );
  }
  if (status >= 400) {
    return new ArthurRejectedError(
      `Arthur at ${where} rejected the file — ${said}. Sending the same bytes again cannot succeed; check the ` +
        "part against Arthur's rules (capture-router validate) and its size.",
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

function throttled(headers: http.IncomingHttpHeaders, said: string, where: string): ArthurThrottledError {
  const retryAfterSeconds = parseRetryAfter(headers['retry-after']);
  const after = retryAfterSeconds === undefined ? '' : ` (Retry-After ${retryAfterSeconds} s)`;
  return new ArthurThrottledError(
    `Arthur at ${where} is throttling uploads${after} — ${said}. The workflow retries with backoff; ` +
      'lower the Map concurrency if this is frequent.',
    { retryAfterSeconds },
  );
}

export function unreachable(err: Error, where: string, bytesSent: number, phase: string): ArthurUnavailableError {
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
export function sourceError(err: unknown, bytesSent: number): Error {
  if (err instanceof Error && (WORKFLOW_ERROR_NAMES as readonly string[]).includes(err.name)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageUnavailableError(
    `Reading the capture file failed after ${bytesSent} bytes had been sent to Arthur (${detail}); ` +
      'the upload was abandoned.',
    { cause: err },
  );
}
