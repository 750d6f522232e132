import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SEED_PATH, ENTRA_SANDBOX, loadEntraSeed } from './index.js';

describe('ENTRA_SANDBOX', () => {
  it('names what the sandbox fixture holds', () => {
    const seed = loadEntraSeed(DEFAULT_SEED_PATH);
    assert.equal(seed.tenant.id, ENTRA_SANDBOX.tenantId);
    const sp = (appId: string) => seed.servicePrincipals.find((s) => s.appId === appId);
    const secrets = (appId: string) => (sp(appId)?.passwordCredentials ?? []).map((c) => c.secretText);
    assert.equal(sp(ENTRA_SANDBOX.responder.appId)?.id, ENTRA_SANDBOX.responder.servicePrincipalId);
    assert.ok(secrets(ENTRA_SANDBOX.responder.appId).includes(ENTRA_SANDBOX.responder.secret));
    assert.equal(sp(ENTRA_SANDBOX.maliciousApp.appId)?.id, ENTRA_SANDBOX.maliciousApp.servicePrincipalId);
    assert.ok(secrets(ENTRA_SANDBOX.maliciousApp.appId).includes(ENTRA_SANDBOX.maliciousApp.attackerSecret));
    assert.ok(secrets(ENTRA_SANDBOX.weakApp.appId).includes(ENTRA_SANDBOX.weakApp.secret));
    const application = (appId: string) => seed.applications?.find((a) => a.appId === appId);
    assert.equal(sp(ENTRA_SANDBOX.compromisedApp.appId)?.id, ENTRA_SANDBOX.compromisedApp.servicePrincipalId);
    assert.equal(application(ENTRA_SANDBOX.compromisedApp.appId)?.id, ENTRA_SANDBOX.compromisedApp.applicationId);
    assert.ok(
      (application(ENTRA_SANDBOX.compromisedApp.appId)?.passwordCredentials ?? [])
        .map((c) => c.secretText)
        .includes(ENTRA_SANDBOX.compromisedApp.stolenSecret),
    );
    assert.equal(sp(ENTRA_SANDBOX.victimApp.appId)?.id, ENTRA_SANDBOX.victimApp.servicePrincipalId);
    assert.equal(application(ENTRA_SANDBOX.victimApp.appId)?.id, ENTRA_SANDBOX.victimApp.applicationId);
    const adele = seed.users.find((u) => u.id === ENTRA_SANDBOX.compromisedUser.id);
    assert.equal(adele?.userPrincipalName, ENTRA_SANDBOX.compromisedUser.userPrincipalName);
  });
});
