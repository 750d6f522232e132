import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EntraSimulator } from './index.js';
import {
  aadstsCode,
  ADELE,
  claimsOf,
  graph,
  MAIL_SYNC_PRO,
  refreshGrant,
  responderToken,
  startTrustedSimulator,
  tokenRequest,
} from './test-support.js';

describe('token endpoint: a stolen user refresh token', () => {
  let sim: EntraSimulator;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('redeems for a delegated Graph token with the consented scopes and a new refresh token', async () => {
    const redeemed = await refreshGrant(sim, ADELE.stolenRefreshToken);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.json));
    const claims = claimsOf(String(redeemed.json.access_token));
    assert.equal(claims.oid, ADELE.id);
    assert.equal(claims.upn, ADELE.upn);
    assert.equal(claims.appid, MAIL_SYNC_PRO.appId);
    assert.equal(claims.idtyp, 'user');
    assert.equal(claims.scp, 'Mail.Read User.Read');
    assert.equal(claims.roles, undefined);
    assert.match(String(redeemed.json.refresh_token), /^1\.AQ-sim-rt\./);
    assert.equal(redeemed.json.scope, 'Mail.Read User.Read offline_access');
    const me = await graph(sim, String(redeemed.json.access_token), 'GET', '/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.userPrincipalName, ADELE.upn);
  });

  it('refuses every refresh token issued before revokeSignInSessions (AADSTS50173); access tokens live on', async () => {
    const before = await refreshGrant(sim, ADELE.stolenRefreshToken);
    const rotated = String(before.json.refresh_token);
    const accessToken = String(before.json.access_token);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const revokedAt = Date.now();

    const revoke = await graph(sim, await responderToken(sim), 'POST', `/users/${ADELE.upn}/revokeSignInSessions`);
    assert.equal(revoke.status, 200);
    assert.equal(revoke.json.value, true);
    assert.match(String(revoke.json['@odata.context']), /\/v1\.0\/\$metadata#Edm\.Boolean$/);
    const validFrom = Date.parse(sim.user(ADELE.id)?.signInSessionsValidFromDateTime ?? '');
    assert.ok(validFrom >= revokedAt && validFrom <= Date.now(), 'signInSessionsValidFromDateTime moved to now');

    for (const token of [ADELE.stolenRefreshToken, rotated]) {
      const refused = await refreshGrant(sim, token);
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error, 'invalid_grant');
      assert.deepEqual(refused.json.error_codes, [50173]);
      assert.match(String(refused.json.error_description), /The provided grant has expired due to it being revoked/);
    }
    // No continuous access evaluation: the delegated access token works until it expires.
    assert.equal((await graph(sim, accessToken, 'GET', '/me')).status, 200);
    assert.deepEqual(sim.mutations().counts, { revokeSignInSessions: 1 });
    assert.deepEqual(sim.mutations().tokens.refused, { AADSTS50173: 2 });
  });

  it('refuses refresh for a disabled user (AADSTS50057)', async () => {
    const patched = await graph(sim, await responderToken(sim), 'PATCH', `/users/${ADELE.id}`, {
      accountEnabled: false,
    });
    assert.equal(patched.status, 204);
    const refused = await refreshGrant(sim, ADELE.stolenRefreshToken);
    assert.equal(refused.status, 400);
    assert.equal(aadstsCode(refused.json.error_description), 'AADSTS50057');
  });

  it('refuses scopes whose consent grant was deleted (AADSTS65001)', async () => {
    const responder = await responderToken(sim);
    assert.equal(
      (await graph(sim, responder, 'DELETE', `/oauth2PermissionGrants/${MAIL_SYNC_PRO.adeleGrantId}`)).status,
      204,
    );
    const mail = await refreshGrant(
      sim,
      ADELE.stolenRefreshToken,
      'https://graph.microsoft.com/Mail.Read offline_access',
    );
    assert.equal(aadstsCode(mail.json.error_description), 'AADSTS65001');
    // The tenant-wide User.Read consent still stands.
    const rest = await refreshGrant(sim, ADELE.stolenRefreshToken);
    assert.equal(claimsOf(String(rest.json.access_token)).scp, 'User.Read');
  });

  it('refuses refresh once the client service principal is disabled (AADSTS7000112)', async () => {
    await graph(sim, await responderToken(sim), 'PATCH', `/servicePrincipals/${MAIL_SYNC_PRO.spId}`, {
      accountEnabled: false,
    });
    assert.equal(
      aadstsCode((await refreshGrant(sim, ADELE.stolenRefreshToken)).json.error_description),
      'AADSTS7000112',
    );
  });

  it('binds a refresh token to its client and rejects unknown tokens', async () => {
    const wrongClient = await tokenRequest(sim, {
      grant_type: 'refresh_token',
      client_id: '008b55f9-f99e-4fd4-afb2-f850c5e3d4ec',
      refresh_token: ADELE.stolenRefreshToken,
      scope: 'https://graph.microsoft.com/.default',
    });
    assert.equal(aadstsCode(wrongClient.json.error_description), 'AADSTS70000');
    const unknown = await refreshGrant(sim, '1.AQ-not-a-token-the-simulator-issued');
    assert.equal(aadstsCode(unknown.json.error_description), 'AADSTS9002313');
    const missing = await tokenRequest(sim, { grant_type: 'refresh_token', client_id: MAIL_SYNC_PRO.appId });
    assert.equal(aadstsCode(missing.json.error_description), 'AADSTS900144');
  });
});
