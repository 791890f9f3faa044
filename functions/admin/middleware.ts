/**
 * The admin API's cross-cutting work, as middy middlewares: a body size limit, JSON parsing only for the routes
 * that take a body, JSON-Schema validation (ajv 8) with errors that name the field and the rule, and the
 * translation of domain errors into the client errors http-error-handler is allowed to expose.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { LogFn } from '../../src/observability/telemetry.js';
import { ClientError, badRequest, toClientError } from './http-errors.js';

export type AdminEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };
export type AdminResult = APIGatewayProxyStructuredResultV2;
export type AdminRequest = Request<AdminEvent, AdminResult, Error, Context>;
type AdminMiddleware = MiddlewareObj<AdminEvent, AdminResult, Error, Context>;

/** 64 KiB: a mapping or a replay request is a few hundred bytes; anything near this is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Refuses a body over `maxBytes` (decoded), before anything parses it. */
export function bodyLimit(maxBytes = MAX_BODY_BYTES): AdminMiddleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (typeof body !== 'string') return;
      const bytes = isBase64Encoded ? Buffer.from(body, 'base64').length : Buffer.byteLength(body, 'utf8');
      if (bytes > maxBytes) {
        throw new ClientError(413, 'body', 'max-size', `body must be at most ${maxBytes} bytes, got ${bytes}`);
      }
    },
  };
}

/** middy's JSON body parser, for PUT and POST only (GET and DELETE carry no body). */
export function jsonBody(): AdminMiddleware {
  const parser = httpJsonBodyParser();
  return {
    before: async (request) => {
      const method = request.event.requestContext?.http?.method;
      if (method !== 'PUT' && method !== 'POST') return;
      await (parser.before as (r: AdminRequest) => unknown)(request);
    },
  };
}

/** An ajv 8 instance with the two formats the schemas use (ajv ships none without ajv-formats). */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (text: string) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text) && !Number.isNaN(Date.parse(text)),
  });
  return ajv;
}

/** Validates the parsed body of the routes that have a schema; the first violation becomes a 400. */
export function validateBody(schemaOf: (event: AdminEvent) => ValidateFunction | undefined): AdminMiddleware {
  return {
    before: (request) => {
      const validate = schemaOf(request.event);
      if (!validate) return;
      if (!validate(request.event.body)) throw schemaError(validate.errors?.[0], validate.schema);
    },
  };
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a JSON object',
  string: 'a string',
  boolean: 'true or false',
  integer: 'an integer',
  number: 'a number',
  array: 'an array',
};

/** Turns ajv's first error into a ClientError naming the field (`modelId`, `body` for the root) and the rule. */
export function schemaError(error: ErrorObject | undefined, schema?: unknown): ClientError {
  if (!error) return badRequest('body', 'schema', 'body does not match the schema');
  const path = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = path.length ? path.join('.') : 'body';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = [...path, String(params.missingProperty)].join('.');
      return badRequest(field, 'required', `${field} is required`);
    }
    case 'additionalProperties': {
      const field = [...path, String(params.additionalProperty)].join('.');
      const allowed = Object.keys((schema as { properties?: object } | undefined)?.properties ?? {});
      return badRequest(field, 'unknown-field', `${field} is not a field of this request${allowed.length ? ` (fields: ${allowed.join(', ')})` : ''}`);
    }
    case 'type': {
      const type = String(params.type);
      return badRequest(at, 'type', `${at} must be ${TYPE_WORDS[type] ?? type}`);
    }
    case 'format': {
      const format = String(params.format);
      if (format === 'uuid') return badRequest(at, 'uuid', `${at} must be a UUID such as 6a0e3c52-91d4-4f7b-8c2e-0b9d1f3a5c7e`);
      if (format === 'date-time') return badRequest(at, 'date-time', `${at} must be an ISO-8601 instant such as 2026-11-25T10:00:00Z`);
      return badRequest(at, format, `${at} must be a ${format}`);
    }
    case 'maxLength':
      return badRequest(at, 'max-length', `${at} must be at most ${String(params.limit)} characters`);
    case 'minimum':
    case 'maximum':
      return badRequest(at, 'range', `${at} ${error.message ?? 'is out of range'}`);
    case 'pattern':
      return badRequest(at, 'pattern', `${at} must match ${String(params.pattern)}`);
    default:
      return badRequest(at, error.keyword, `${at} ${error.message ?? 'is invalid'}`);
  }
}

/**
 * Domain errors that mean "the caller asked for something wrong" become exposed client errors whose message is
 * the JSON body `{error: {status, field, rule, message}}` (http-error-handler sends an exposed error's message as
 * the body, typed application/json when it is JSON). Everything else is left alone, so http-error-handler
 * answers a generic 500 and only its logger sees the cause. Use it after http-error-handler: onError runs in
 * reverse order, so this runs first.
 */
export function clientErrors(): AdminMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      if (!error || request.response !== undefined) return;
      const translated = toClientError(error);
      if (translated) request.error = new ExposedClientError(translated);
    },
  };
}

/** What http-error-handler exposes: a status, a JSON message, headers; the ClientError as its cause (for the log). */
export class ExposedClientError extends Error {
  readonly statusCode: number;
  readonly expose = true;
  readonly headers: Record<string, string>;
  constructor(readonly clientError: ClientError) {
    super(JSON.stringify(clientError.toBody()), { cause: clientError });
    this.name = 'ExposedClientError';
    this.statusCode = clientError.statusCode;
    this.headers = { ...clientError.headers };
  }
}

/** The generic answer to anything not deliberate: no message, no name, no stack reaches the caller. */
export const INTERNAL_ERROR_BODY = JSON.stringify({
  error: { status: 500, field: '', rule: 'internal', message: 'internal error; the cause is in the admin function\'s log' },
});

/** http-error-handler's logger: WARN for refused requests, ERROR with the cause for the rest. */
export function errorLogger(log: LogFn): (error: unknown) => void {
  return (error) => {
    if (error instanceof ExposedClientError) {
      const { statusCode, field, rule, message, cause } = error.clientError;
      // A deliberate 5xx (a replay interrupted by StartExecution) is still a failure someone may need to look at.
      const level = statusCode >= 500 ? 'error' : 'warn';
      const why = statusCode >= 500 && cause instanceof Error ? { cause: `${cause.name}: ${cause.message}` } : {};
      log(level, 'request refused', { status: statusCode, field, rule, detail: message, ...why });
      return;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    log('error', 'request failed', {
      error: e.name,
      detail: e.message,
      ...(e.cause instanceof Error ? { cause: `${e.cause.name}: ${e.cause.message}` } : {}),
      stack: e.stack,
    });
  };
}

/**
 * One audit line per answered request: who (the IAM principal API Gateway authorized), what, and the status.
 * Refused and failed requests are logged by http-error-handler's logger instead.
 */
export function requestLog(log: LogFn, now: () => number = Date.now): AdminMiddleware {
  const started = new WeakMap<object, number>();
  return {
    before: (request) => void started.set(request.event, now()),
    after: (request) => {
      const { event, response } = request;
      const principal = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } } | undefined)?.authorizer?.iam?.userArn;
      log('info', 'request', {
        method: event.requestContext?.http?.method,
        path: event.rawPath,
        status: response?.statusCode,
        ms: now() - (started.get(event) ?? now()),
        ...(principal ? { principal } : {}),
      });
    },
  };
}
