/** Paging (`maxResults`, an opaque `nextToken`) and dates (epoch seconds) as the Step Functions API has them. */
import { type Body, ServiceError } from './protocol.js';

/** `maxResults` (0 or absent: the default) and an opaque `nextToken` (an offset, base64 so nobody parses it). */
export function pageOf(body: Body, max: number): { offset: number; maxResults: number } {
  const maxResults = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, max) : 100;
  let offset = 0;
  if (body.nextToken !== undefined) {
    const decoded = typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64url').toString('utf8')) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0) throw new ServiceError('InvalidToken', `Invalid Token: '${String(body.nextToken)}'`);
    offset = decoded;
  }
  return { offset, maxResults };
}

export function tokenFor(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

export function paginate<T>(items: T[], body: Body, max: number): { page: T[]; nextToken?: string } {
  const { offset, maxResults } = pageOf(body, max);
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < items.length ? { page, nextToken: tokenFor(next) } : { page };
}

export function seconds(date: Date): number {
  return date.getTime() / 1000;
}
