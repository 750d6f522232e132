import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { TIME_TO_CONTAIN, TIME_TO_CONTAIN_BUCKETS } from '../domain/metrics.js';
import { operationsFromEnv, runtimeMetrics } from './operations.js';
import { errorClass } from './telemetry.js';

describe("the worker's operations settings", () => {
  it('leaves metrics and probes off unless their addresses are set (two workers on a host share none)', () => {
    const config = operationsFromEnv({});
    assert.equal(config.REVOKER_HEALTH_ADDRESS, undefined);
    assert.equal(config.REVOKER_METRICS_ADDRESS, undefined);
    assert.equal(config.REVOKER_METRICS_COUNT_INTERVAL, 30);
    assert.equal(runtimeMetrics(config), undefined);
    assert.equal(
      operationsFromEnv({ REVOKER_METRICS_ADDRESS: '', REVOKER_HEALTH_ADDRESS: '' }).REVOKER_HEALTH_ADDRESS,
      undefined,
    );
  });

  it('serves Prometheus on the address given, with time to contain in buckets from seconds to days', () => {
    const config = operationsFromEnv({
      REVOKER_METRICS_ADDRESS: '0.0.0.0:9464',
      REVOKER_HEALTH_ADDRESS: '0.0.0.0:8081',
    });
    assert.deepEqual(config.REVOKER_HEALTH_ADDRESS, { host: '0.0.0.0', port: 8081 });
    assert.deepEqual(runtimeMetrics(config), {
      prometheus: {
        bindAddress: '0.0.0.0:9464',
        histogramBucketOverrides: { [TIME_TO_CONTAIN.name]: TIME_TO_CONTAIN_BUCKETS },
      },
    });
  });

  it('names the variable and says what it wants when a value is wrong', () => {
    assert.throws(
      () => operationsFromEnv({ REVOKER_METRICS_ADDRESS: '9464' }),
      /REVOKER_METRICS_ADDRESS="9464": host:port/,
    );
    assert.throws(
      () => operationsFromEnv({ REVOKER_HEALTH_ADDRESS: 'localhost' }),
      /REVOKER_HEALTH_ADDRESS="localhost": host:port/,
    );
    assert.throws(
      () => operationsFromEnv({ REVOKER_METRICS_COUNT_INTERVAL: '0' }),
      /REVOKER_METRICS_COUNT_INTERVAL="0": at least 1 second/,
    );
    assert.throws(() => operationsFromEnv({ REVOKER_METRICS_COUNT_INTERVAL: '1m' }), /whole seconds/);
  });
});

describe('the provider error class', () => {
  it("is an ApplicationFailure's type, else the error's name, cut to a bounded label", () => {
    assert.equal(
      errorClass(ApplicationFailure.create({ type: 'ThrottledError', message: 'slow down' })),
      'ThrottledError',
    );
    assert.equal(errorClass(new TypeError('x')), 'TypeError');
    const named = new Error('x');
    named.name = 'Weird name with spaces and "quotes" and a very long tail that goes on and on and on and on';
    assert.match(errorClass(named), /^[\w.-]{1,64}$/);
    assert.equal(errorClass('a string'), 'unknown');
  });
});
