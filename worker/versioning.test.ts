import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentOptions, versioningFromEnv } from './versioning.js';

describe('Worker Versioning settings', () => {
  it('leaves a worker unversioned when neither variable is set', () => {
    assert.equal(versioningFromEnv({}), undefined);
    assert.deepEqual(deploymentOptions(undefined), {});
  });

  it('makes every worker of a build an AUTO_UPGRADE version of its deployment', () => {
    const versioning = versioningFromEnv({ REVOKER_DEPLOYMENT_NAME: 'revoker', REVOKER_BUILD_ID: '0.3.1+8306fc8' });
    assert.deepEqual(deploymentOptions(versioning), {
      workerDeploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName: 'revoker', buildId: '0.3.1+8306fc8' },
        defaultVersioningBehavior: 'AUTO_UPGRADE',
      },
    });
  });

  it('asks for both variables when one is missing, and names a bad value', () => {
    assert.throws(
      () => versioningFromEnv({ REVOKER_DEPLOYMENT_NAME: 'revoker' }),
      /both REVOKER_DEPLOYMENT_NAME and REVOKER_BUILD_ID/,
    );
    assert.throws(
      () => versioningFromEnv({ REVOKER_BUILD_ID: 'b1' }),
      /both REVOKER_DEPLOYMENT_NAME and REVOKER_BUILD_ID/,
    );
    assert.throws(
      () => versioningFromEnv({ REVOKER_DEPLOYMENT_NAME: 'revoker.prod', REVOKER_BUILD_ID: 'b1' }),
      /REVOKER_DEPLOYMENT_NAME[\s\S]*no dots/,
    );
    assert.throws(
      () => versioningFromEnv({ REVOKER_DEPLOYMENT_NAME: 'revoker', REVOKER_BUILD_ID: 'build 1' }),
      /REVOKER_BUILD_ID[\s\S]*a release or commit id/,
    );
  });
});
