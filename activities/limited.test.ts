import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermissionDeniedError, ProviderUnavailableError } from './errors.js';
import { checkEach, DOCTOR_ATTEMPTS } from './limited.js';

const none = () => undefined;

describe('doctor checks (checkEach)', () => {
  it('asks again after a transient failure instead of reporting the target unreachable', async () => {
    let calls = 0;
    const [check] = await checkEach('aws', [{ id: '111111111111' }], none, () => {
      calls += 1;
      if (calls === 1) return Promise.reject(new ProviderUnavailableError('Could not reach AWS: read ECONNRESET'));
      return Promise.resolve({ missing: [], unchecked: [] });
    });
    assert.equal(calls, 2);
    assert.equal(check?.reachable, true);
  });

  it('reports a target that keeps failing transiently, after DOCTOR_ATTEMPTS, and a refusal at once', async () => {
    let transient = 0;
    let denied = 0;
    const [down, refused] = await checkEach('aws', [{ id: 'down' }, { id: 'refused' }], none, (id) => {
      if (id === 'down') {
        transient += 1;
        return Promise.reject(new ProviderUnavailableError('503'));
      }
      denied += 1;
      return Promise.reject(new PermissionDeniedError('cannot assume the role'));
    });
    assert.equal(transient, DOCTOR_ATTEMPTS);
    assert.equal(denied, 1, 'a refusal is not asked again');
    assert.deepEqual([down?.reachable, refused?.reachable], [false, false]);
    assert.match(refused?.problem ?? '', /cannot assume/);
  });
});
