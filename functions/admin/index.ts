/**
 * The admin API for other code: the middy handler (as handler.ts deploys it, with injected dependencies) and a
 * node:http server around it (what the local stack serves on port base + 3, and what the tests drive).
 */
export { createAdminHandler, ROUTES, type AdminDeps } from './app.js';
export { createAdminServer, toEvent, type AdminServerOptions } from './server.js';
export type { ReplayLimits, ReplayResult } from './replay.js';
export type { ClientErrorBody } from './http-errors.js';
