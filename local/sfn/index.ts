/** The local Step Functions endpoint (JSON 1.0 protocol) in front of the workflow runner; see docs/LOCAL.md. */
export { startSfnEndpoint } from './endpoint.js';
export type { EndpointExecution, SfnEndpoint, SfnEndpointOptions } from './types.js';
export type { ExecutionStatusChange } from './status-events.js';
