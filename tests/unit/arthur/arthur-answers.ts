/**
 * Answers in the shapes Arthur's own Python client models, written from arthur-client 1.4.0:
 * - `SageMakerDataResponse` (`arthur/client/rest/inferences/models.py`), what
 *   `send_sagemaker_data` (`rest/inferences/client.py`) reads from the SageMaker Data Capture endpoint's 207:
 *   `{counts: {success, failure, total}, failures: [{message, status, event_id, inference_index_in_event}]}`;
 * - `InferencesResponse`, the generic endpoints' 207: `{counts, results: [{message, status}]}`, one result per item
 *   in the order sent, `counts.failure` equal to the results with status ≥ 300 (`http/validation.py`).
 * The messages are examples; Arthur documents none of them.
 */

export const SAGEMAKER_ALL_TAKEN = { counts: { success: 3, failure: 0, total: 3 }, failures: [] };

export const SAGEMAKER_TWO_REFUSED = {
  counts: { success: 4, failure: 2, total: 6 },
  failures: [
    { message: 'invalid value for feature age', status: 400, event_id: 'evt-b', inference_index_in_event: 1 },
    { message: 'an inference with this partner_inference_id already exists', status: 400, event_id: 'evt-c', inference_index_in_event: 0 },
  ],
};

export const GENERIC_ONE_REFUSED = {
  counts: { success: 2, failure: 1, total: 3 },
  results: [
    { message: 'success', status: 200 },
    { message: 'ground truth attribute missing', status: 400 },
    { message: 'success', status: 200 },
  ],
};
