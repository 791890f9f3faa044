import { describe, expect, it } from '@jest/globals';
import { InvalidRequestError, ReplayInterruptedError } from '../../../functions/admin/errors.js';
import { ClientError, toClientError } from '../../../functions/admin/http-errors.js';
import { ExposedClientError } from '../../../functions/admin/middleware.js';
import { InvalidMappingCursorError, MappingConflictError, MappingNotFoundError, MappingStoreError } from '../../../src/aws/mapping-store.js';
import { WorkflowStartError } from '../../../src/aws/workflow-starter.js';
import { InvalidPrefixError } from '../../../src/routing/prefix.js';

describe("the admin API's error table", () => {
  it.each([
    ['an invalid request field', new InvalidRequestError('to', 'after-from', 'to must be after from'), 400, 'to', 'after-from'],
    ['an invalid prefix', new InvalidPrefixError('dot-segment', 'a/../b/', 'prefix must not hold . or .. segments'), 400, 'prefix', 'dot-segment'],
    ['a missing mapping', new MappingNotFoundError('captures/fraud/'), 404, 'prefix', 'not-found'],
    ['a lost conditional write', new MappingConflictError('captures/fraud/', 'version 3 is not the stored one'), 412, 'If-Match', 'version-conflict'],
    ['a foreign cursor', new InvalidMappingCursorError('cursor is not one this store handed out'), 400, 'nextToken', 'token'],
    ['an interrupted replay', new ReplayInterruptedError('send the same request again'), 503, 'replay', 'retry'],
  ])('maps %s to its status, field and rule', (_case, error, status, field, rule) => {
    const client = toClientError(error);
    expect(client).toBeInstanceOf(ClientError);
    expect(client?.toBody()).toEqual({ error: { status, field, rule, message: expect.stringContaining(error.message.replace(/ \(rule: [^)]+\)$/, '')) } });
    expect(client?.message).toMatch(new RegExp(`\\(rule: ${rule}\\)$`));
  });

  it('asks for a retry after 5 s on an interrupted replay, keeping its cause for the log only', () => {
    const cause = new WorkflowStartError('n', 'StartExecution n on arn:aws:states:… failed: AccessDeniedException');
    const client = toClientError(new ReplayInterruptedError('starting executions failed part-way', { cause }));
    expect(client?.headers).toEqual({ 'Retry-After': '5' });
    expect(client?.cause).toBe(cause);
    expect(JSON.stringify(client?.toBody())).not.toContain('arn:aws');
  });

  it.each([
    ['a store failure', new MappingStoreError('BatchGetItem failed: ResourceNotFoundException')],
    ['a StartExecution failure outside a replay', new WorkflowStartError('n', 'throttled')],
    ['a plain error', new Error('boom')],
  ])('exposes nothing of %s (a generic 500)', (_case, error) => {
    expect(toClientError(error)).toBeUndefined();
  });

  it('gives the exposed wrapper its own error name', () => {
    const exposed = new ExposedClientError(new ClientError(400, 'body', 'json', 'body must be JSON'));
    expect(exposed.name).toBe('ExposedClientError');
    expect(exposed.name).not.toBe(new ClientError(400, 'body', 'json', 'x').name);
  });
});
