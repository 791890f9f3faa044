export type {
  AnswerShape,
  ArthurApi,
  ArthurCounts,
  ArthurFailure,
  ArthurTarget,
  LookupOutcome,
  LookupRequest,
  UploadCaptureRequest,
  UploadCaptureResult,
} from './api.js';
export { HttpArthurApi, ORGANIZATION_HEADER, type HttpArthurApiOptions } from './http-arthur-api.js';
export { assertAllowedHost, assertModelId, isLoopback, lookupUrl, parseAllowlist, uploadUrl } from './host-policy.js';
export { INFERENCE_DATA_FIELD, jsonlName, multipartEnvelope } from './multipart.js';
export { FAILURE_SAMPLE_SIZE, isAlreadyExistsMessage, parseRetryAfter } from './response.js';
