/** The router as S3 invokes it: each capture notification delivered asynchronously, with Lambda's retries and DLQ. */
import type { S3Event } from 'aws-lambda';
import type { RouteSummary } from '../../functions/router/route-event.js';
import type { Closers } from '../closers.js';
import type { S3Service } from '../s3/service.js';
import { AsyncInvoker } from './async-invoker.js';

export interface RouterServiceOptions {
  route: (event: S3Event) => Promise<RouteSummary>;
  /** Delays before the re-invocations of an event the router threw on; then the DLQ. */
  retryDelaysMs: readonly number[];
  /** How many of the newest summaries and notifications are kept. */
  diagnosticsLimit: number;
  write: (line: string) => void;
}

export interface RouterService {
  invoker: AsyncInvoker<S3Event>;
  routed: RouteSummary[];
  notifications: S3Event[];
}

export function startRouterService(s3: S3Service, options: RouterServiceOptions, closers: Closers): RouterService {
  const routed: RouteSummary[] = [];
  const notifications: S3Event[] = [];
  // Diagnostics for tests and the console; bounded, so a long local backfill does not grow the process with them.
  const keepNewest = <T>(list: T[], item: T): void => {
    list.push(item);
    if (list.length > options.diagnosticsLimit) list.splice(0, list.length - options.diagnosticsLimit);
  };
  const invoker = new AsyncInvoker<S3Event>({
    functionName: 'router',
    handler: async (event) => keepNewest(routed, await options.route(event)),
    retryDelaysMs: options.retryDelaysMs,
    log: options.write,
  });
  s3.onCapture((event) => {
    keepNewest(notifications, event);
    // Asynchronous, as S3 invokes the router: the PUT has already been answered.
    invoker.invoke(event);
  });
  closers.add(() => invoker.close());
  return { invoker, routed, notifications };
}
