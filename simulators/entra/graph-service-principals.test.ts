import { AuthenticationRequiredError } from '@azure/identity';
import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EntraSimulator } from './index.js';
import {
  aadstsCode,
  appToken,
  certificateCredential,
  clientCredentialsGrant,
  GRAPH_SCOPE,
  graph,
  HELPDESK,
  mailSyncProPem,
  MAIL_SYNC_PRO,
  proofOfPossession,
  useResponderSimulator,
} from './test-support.js';

const SP = `/servicePrincipals/${MAIL_SYNC_PRO.spId}`;

describe('Graph service principals', () => {
  let sim: EntraSimulator;
  let token: string;
  useResponderSimulator((ready) => ({ sim, token } = ready));

  it('reads a service principal by id and by appId, never returning secrets or key material', async () => {
    const byId = await graph(sim, token, 'GET', SP);
    assert.equal(byId.status, 200);
    assert.equal(byId.json.appId, MAIL_SYNC_PRO.appId);
    assert.equal(byId.json.accountEnabled, true);
    assert.equal(byId.json.appOwnerOrganizationId, 'b7a1600f-1ad1-4220-a3a0-0d0ece31fcb0');
    assert.deepEqual(
      (byId.json.passwordCredentials as { keyId: string; hint: string; secretText: null }[]).map((p) => [
        p.keyId,
        p.hint,
        p.secretText,
      ]),
      [
        [MAIL_SYNC_PRO.attackerSecret.keyId, 'Msp', null],
        [MAIL_SYNC_PRO.backupSecret.keyId, 'Msb', null],
      ],
    );
    const [cert] = byId.json.keyCredentials as {
      keyId: string;
      key: null;
      type: string;
      usage: string;
      customKeyIdentifier: string;
    }[];
    assert.deepEqual(
      [cert?.keyId, cert?.key, cert?.type, cert?.usage],
      [MAIL_SYNC_PRO.certificate.keyId, null, 'AsymmetricX509Cert', 'Verify'],
    );
    assert.match(cert?.customKeyIdentifier ?? '', /^[0-9A-F]{40}$/);
    const text = JSON.stringify(byId.json);
    for (const secret of [
      MAIL_SYNC_PRO.attackerSecret.secret,
      MAIL_SYNC_PRO.backupSecret.secret,
      MAIL_SYNC_PRO.homeTenantSecret,
    ]) {
      assert.equal(text.includes(secret), false);
    }
    const byAppId = await graph(
      sim,
      token,
      'GET',
      `/servicePrincipals(appId='${MAIL_SYNC_PRO.appId}')?$select=id,accountEnabled`,
    );
    assert.deepEqual(byAppId.json, {
      '@odata.context': `${sim.graphEndpoint}/$metadata#servicePrincipals(id,accountEnabled)/$entity`,
      id: MAIL_SYNC_PRO.spId,
      accountEnabled: true,
    });
    const filtered = await graph(
      sim,
      token,
      'GET',
      `/servicePrincipals?$filter=appId eq '${MAIL_SYNC_PRO.appId}'&$select=id`,
    );
    assert.deepEqual(filtered.json.value, [{ id: MAIL_SYNC_PRO.spId }]);
    assert.equal(
      (await graph(sim, token, 'GET', '/servicePrincipals/00000000-0000-4000-8000-000000000000')).status,
      404,
    );
  });

  it('removes a secret with removePassword; the attacker can no longer use it, the other still works', async () => {
    assert.equal(
      (await clientCredentialsGrant(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.attackerSecret.secret)).status,
      200,
    );
    const removed = await graph(sim, token, 'POST', `${SP}/removePassword`, {
      keyId: MAIL_SYNC_PRO.attackerSecret.keyId,
    });
    assert.equal(removed.status, 204);
    assert.deepEqual(sim.servicePrincipal(MAIL_SYNC_PRO.appId)?.passwordKeyIds, [MAIL_SYNC_PRO.backupSecret.keyId]);
    const refused = await clientCredentialsGrant(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.attackerSecret.secret);
    assert.equal(refused.status, 401);
    assert.equal(aadstsCode(refused.json.error_description), 'AADSTS7000215');
    await assert.rejects(
      appToken(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.attackerSecret.secret),
      AuthenticationRequiredError,
    );
    assert.equal(
      (await clientCredentialsGrant(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.backupSecret.secret)).status,
      200,
    );

    const again = await graph(sim, token, 'POST', `${SP}/removePassword`, {
      keyId: MAIL_SYNC_PRO.attackerSecret.keyId,
    });
    assert.equal(again.status, 400);
    assert.equal((again.json.error as { code: string }).code, 'Request_BadRequest');
    assert.deepEqual(sim.mutations().counts, { removePassword: 1 });
  });

  it('removes a certificate with removeKey only with a valid proof of possession', async () => {
    const path = `${SP}/removeKey`;
    const keyId = MAIL_SYNC_PRO.certificate.keyId;
    const noProof = await graph(sim, token, 'POST', path, { keyId });
    assert.equal(noProof.status, 400);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const now = Math.floor(Date.now() / 1000);
    for (const proof of [
      await proofOfPossession({}, otherKey),
      await proofOfPossession({ aud: 'https://graph.microsoft.com' }),
      await proofOfPossession({ iss: MAIL_SYNC_PRO.appId }),
      await proofOfPossession({ nbf: now, exp: now + 3600 }),
      await proofOfPossession({ nbf: now - 7200, exp: now - 6600 }),
    ]) {
      const refused = await graph(sim, token, 'POST', path, { keyId, proof });
      assert.equal(refused.status, 400, JSON.stringify(refused.json));
      assert.match((refused.json.error as { message: string }).message, /proof/i);
    }
    assert.deepEqual(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.certificateKeyIds, [keyId]);

    const removed = await graph(sim, token, 'POST', path, { keyId, proof: await proofOfPossession() });
    assert.equal(removed.status, 204);
    assert.deepEqual(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.certificateKeyIds, []);
    assert.deepEqual(sim.mutations().counts, { removeKey: 1 });
  });

  it('drops a certificate without its private key by PATCHing keyCredentials; the cert then fails (AADSTS700027)', async () => {
    await certificateCredential(sim, MAIL_SYNC_PRO.appId, mailSyncProPem()).getToken(GRAPH_SCOPE);
    const current = (await graph(sim, token, 'GET', `${SP}?$select=keyCredentials`)).json.keyCredentials as Record<
      string,
      unknown
    >[];
    // Sending the list back unchanged (keys as GET returns them, key: null) keeps every credential.
    assert.equal((await graph(sim, token, 'PATCH', SP, { keyCredentials: current })).status, 204);
    assert.deepEqual(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.certificateKeyIds, [MAIL_SYNC_PRO.certificate.keyId]);

    assert.equal((await graph(sim, token, 'PATCH', SP, { keyCredentials: [] })).status, 204);
    assert.deepEqual(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.certificateKeyIds, []);
    await assert.rejects(
      certificateCredential(sim, MAIL_SYNC_PRO.appId, mailSyncProPem()).getToken(GRAPH_SCOPE),
      (error: unknown) => aadstsCode((error as Error).message) === 'AADSTS700027',
    );
    assert.deepEqual(
      sim.mutations().log.map((m) => m.detail),
      ['keyCredentials removed=[] added=[]', `keyCredentials removed=[${MAIL_SYNC_PRO.certificate.keyId}] added=[]`],
    );
  });

  it('validates PATCH bodies and leaves the object unchanged when refused', async () => {
    const cases: unknown[] = [
      { passwordCredentials: [] },
      { accountEnabled: 'false' },
      { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify' }] },
      { accountEnabled: false, keyCredentials: [{ keyId: MAIL_SYNC_PRO.certificate.keyId, key: 'bm90IGEgY2VydA==' }] },
      { homepage: 'https://example.invalid' },
    ];
    for (const body of cases) {
      const response = await graph(sim, token, 'PATCH', SP, body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
    assert.equal(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.accountEnabled, true);
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('needs Application.ReadWrite.All to change credentials (403 for a read-only app)', async () => {
    const weak = await appToken(sim, HELPDESK.appId, HELPDESK.secret);
    assert.equal((await graph(sim, weak, 'GET', SP)).status, 200);
    const refused = await graph(sim, weak, 'POST', `${SP}/removePassword`, {
      keyId: MAIL_SYNC_PRO.attackerSecret.keyId,
    });
    assert.equal(refused.status, 403);
    assert.equal((await graph(sim, weak, 'PATCH', SP, { accountEnabled: false })).status, 403);
    assert.equal(sim.servicePrincipal(MAIL_SYNC_PRO.spId)?.passwordKeyIds.length, 2);
  });
});
