import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTRA_SANDBOX } from '../simulators/entra/index.js';
import { GCP_SANDBOX } from '../simulators/gcp/index.js';
import { loadSeeds } from './inputs.js';
import { responderCredentials, responderEnvironment, setEnvironment } from './responders.js';

describe('sandbox responders', () => {
  it("finds the revoker-responder identity in each of the repo's fixtures", () => {
    const credentials = responderCredentials(loadSeeds());
    assert.equal(credentials.aws.accessKeyId, 'AKIARSPNDR7EXAMPLE01');
    assert.deepEqual(credentials.entra, {
      tenantId: ENTRA_SANDBOX.tenantId,
      clientId: ENTRA_SANDBOX.responder.appId,
      clientSecret: ENTRA_SANDBOX.responder.secret,
    });
    assert.equal(credentials.gcp.client_email, GCP_SANDBOX.responder.email);
    assert.ok(GCP_SANDBOX.responder.keyName.endsWith(`/keys/${credentials.gcp.private_key_id}`));
  });

  it('says which identity a seed lacks', () => {
    const seeds = loadSeeds({ aws: { accountId: '111122223333', users: [], roles: [] } });
    assert.throws(
      () => responderCredentials(seeds),
      /the AWS seed has no user revoker-responder with an active access key/,
    );
  });

  it("sets the workers' credentials as a deployment does, and puts back what was there", () => {
    const credentials = responderCredentials(loadSeeds());
    const putBackOurs = setEnvironment({ AWS_PROFILE: 'my-own-profile', AZURE_CLIENT_ID: undefined });
    try {
      const restore = setEnvironment(responderEnvironment(credentials, '/tmp/key.json'));
      assert.equal(process.env.AWS_PROFILE, undefined, "a developer's profile would take precedence");
      assert.equal(process.env.AZURE_CLIENT_ID, ENTRA_SANDBOX.responder.appId);
      assert.equal(process.env.GOOGLE_APPLICATION_CREDENTIALS, '/tmp/key.json');
      restore();
      assert.equal(process.env.AWS_PROFILE, 'my-own-profile');
      assert.equal(process.env.AZURE_CLIENT_ID, undefined);
    } finally {
      putBackOurs();
    }
  });
});
