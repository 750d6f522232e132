import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRequestTimeoutsFit } from './request-timeouts.js';

describe('assertRequestTimeoutsFit', () => {
  it('accepts the defaults and timeouts inside the attempt', () => {
    assert.doesNotThrow(() => assertRequestTimeoutsFit({}));
    assert.doesNotThrow(() =>
      assertRequestTimeoutsFit({ REVOKER_AWS_REQUEST_TIMEOUT_MS: 30_000, REVOKER_GCP_REQUEST_TIMEOUT_MS: 55_000 }),
    );
  });

  it('refuses a request timeout as long as the step, naming the variable and the limit', () => {
    assert.throws(
      () =>
        assertRequestTimeoutsFit({ REVOKER_GRAPH_REQUEST_TIMEOUT_MS: 60_000, REVOKER_AWS_REQUEST_TIMEOUT_MS: 1_000 }),
      /^Error: REVOKER_GRAPH_REQUEST_TIMEOUT_MS=60000: a request timeout must be at most 55000 ms, shorter than the steps' 1m start-to-close timeout/,
    );
    assert.throws(() => assertRequestTimeoutsFit({ REVOKER_AWS_REQUEST_TIMEOUT_MS: 9_500 }, '10s'), /at most 9000 ms/);
  });
});
