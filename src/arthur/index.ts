export type { ArthurApi, ArthurCounts, UploadCaptureRequest, UploadCaptureResult } from './api.js';
export { HttpArthurApi, type HttpArthurApiOptions } from './http-arthur-api.js';
export { assertAllowedHost, assertModelId, isLoopback, parseAllowlist, uploadUrl } from './host-policy.js';
export { INFERENCE_DATA_FIELD, jsonlName, multipartEnvelope } from './multipart.js';
export { FAILURE_SAMPLE_SIZE, parseRetryAfter } from './response.js';
