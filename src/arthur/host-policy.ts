import { isIPv4 } from 'node:net';
import { ConfigurationError } from '../errors.js';

/**
 * Where a token may be sent. A mapping can override the Arthur host, so without this check anyone who can
 * write a mapping could make the router hand the organisation's Arthur token to a host of their choosing.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_LABELS = /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;

/**
 * Parses a comma-separated allowlist (`app.arthur.ai, *.arthur.example.com, 127.0.0.1`) into normalized entries.
 * An entry is a hostname, an IP address, or `*.suffix` (any subdomain of suffix, at any depth, not suffix itself).
 * A malformed entry is a ConfigurationError: a typo must fail the cold start, not silently block every upload.
 */
export function parseAllowlist(csv: string): string[] {
  const entries = csv.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  return entries.map((entry) => {
    const normalized = normalizeEntry(entry);
    if (normalized === undefined) {
      throw new ConfigurationError(
        `Arthur host allowlist entry "${entry}" is not a hostname, an IP address or "*.domain"; ` +
          'list bare hostnames without scheme, port or path, separated by commas.',
      );
    }
    return normalized;
  });
}

function normalizeEntry(entry: string): string | undefined {
  const wildcard = entry.startsWith('*.');
  const name = normalizeHostname(wildcard ? entry.slice(2) : entry);
  if (name === undefined || (wildcard && name.startsWith('['))) return undefined;
  return wildcard ? `*.${name}` : name;
}

/** Lower-cases a hostname, drops a trailing dot, and brackets IPv6 the way WHATWG URL reports `hostname`. */
function normalizeHostname(raw: string): string | undefined {
  let name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (name.includes(':')) {
    if (!name.startsWith('[')) name = `[${name}]`;
    try {
      return new URL(`https://${name}/`).hostname;
    } catch {
      return undefined;
    }
  }
  return HOST_LABELS.test(name) ? name : undefined;
}

function matchesEntry(hostname: string, entry: string): boolean {
  if (entry.startsWith('*.')) return hostname.endsWith(entry.slice(1)) && hostname.length > entry.length - 1;
  return hostname === entry;
}

/** Loopback only: the local stack's receiver. Anything else over plain http would expose the token on the wire. */
export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

/**
 * Checks an Arthur host against the policy and returns it as a URL (no trailing slash in its path).
 * Rules: `https://` whose hostname is in the allowlist; `http://` only for a loopback host that is also in the
 * allowlist (the local stack); no credentials, query or fragment in the URL. A path prefix is kept, for Arthur
 * behind a reverse proxy. Violations throw ConfigurationError, which the workflow does not retry.
 * @example assertAllowedHost('https://app.arthur.ai', ['*.arthur.ai']) // → URL https://app.arthur.ai/
 */
export function assertAllowedHost(host: string, allowlist: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new ConfigurationError(
      `Arthur host "${truncate(host)}" is not an absolute URL; use the form https://app.arthur.ai.`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      'Arthur host must not carry credentials in the URL; the token comes from Secrets Manager.',
    );
  }
  if (url.search || url.hash) {
    throw new ConfigurationError(`Arthur host "${url.origin}" must not have a query or fragment.`);
  }
  const hostname = url.hostname.replace(/\.$/, '');
  if (url.protocol === 'http:') {
    if (!isLoopback(hostname)) {
      throw new ConfigurationError(
        `Arthur host "${url.origin}" uses plain http; only https is allowed (http is accepted for loopback ` +
          'addresses of the local stack only). Change the mapping or ARTHUR_HOST to https://.',
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new ConfigurationError(`Arthur host "${url.origin}" must use https://, not ${url.protocol}`);
  }
  if (allowlist.length === 0) {
    throw new ConfigurationError(
      'The Arthur host allowlist is empty, so no host may receive the token; set ARTHUR_HOST_ALLOWLIST.',
    );
  }
  // Entries are normalized again so that a list not built by parseAllowlist still matches as documented.
  if (!allowlist.some((entry) => matchesEntry(hostname, normalizeEntry(entry) ?? ''))) {
    throw new ConfigurationError(
      `Arthur host "${hostname}" is not in the allowlist (${allowlist.join(', ')}); ` +
        'add it to ARTHUR_HOST_ALLOWLIST or correct the mapping\'s arthurHost.',
    );
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** Arthur's model IDs are UUIDs; anything else is a mapping mistake, caught before the token is fetched. */
export function assertModelId(modelId: unknown): string {
  if (typeof modelId !== 'string' || !UUID.test(modelId)) {
    throw new ConfigurationError(
      `Arthur model ID "${truncate(String(modelId))}" is not a UUID; copy the model's ID from Arthur into the mapping.`,
    );
  }
  return modelId;
}

/**
 * The ingestion URL of a model. Path parts are encoded although a UUID needs none: the check and the encoding
 * are independent defences.
 */
export function uploadUrl(base: URL, modelId: string): URL {
  const url = new URL(base.href);
  url.pathname =
    `${base.pathname.replace(/\/+$/, '')}/api/v3/models/${encodeURIComponent(modelId)}` +
    '/inferences/integrations/sagemaker_data_capture';
  return url;
}

/**
 * Arthur's lookup of one inference by partner ID (arthur-client 1.4.0, `rest/inferences/client.py`
 * `get_inference`: `GET /v3/models/{model_id}/inferences/query/{partner_inference_id}` under the `/api` prefix).
 */
export function lookupUrl(base: URL, modelId: string, partnerInferenceId: string): URL {
  const url = new URL(base.href);
  url.pathname =
    `${base.pathname.replace(/\/+$/, '')}/api/v3/models/${encodeURIComponent(modelId)}` +
    `/inferences/query/${encodeURIComponent(partnerInferenceId)}`;
  return url;
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
