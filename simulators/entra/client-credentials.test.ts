import { AuthenticationRequiredError } from '@azure/identity';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EntraSimulator } from './index.js';
import {
  aadstsCode,
  appToken,
  certificateCredential,
  claimsOf,
  clientCredentialsGrant,
  GRAPH_SCOPE,
  graph,
  HELPDESK,
  mailSyncProPem,
  MAIL_SYNC_PRO,
  RESPONDER,
  responderToken,
  secretCredential,
  startTrustedSimulator,
  TENANT_ID,
  tokenRequest,
} from './test-support.js';

/** @azure/identity turns MSAL's ServerError into AuthenticationRequiredError whose message carries the AADSTS text. */
const refusedWith = (code: string) => (error: unknown) => {
  assert.ok(error instanceof AuthenticationRequiredError, `expected AuthenticationRequiredError, got ${String(error)}`);
  assert.equal(aadstsCode(error.message), code, error.message);
  return true;
};

describe('token endpoint: client credentials', () => {
  let sim: EntraSimulator;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('serves an OpenID configuration whose issuer shares the authority origin', async () => {
    const response = await fetch(`${sim.authorityHost}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    const config = (await response.json()) as Record<string, string>;
    assert.equal(config.issuer, `${sim.authorityHost}/${TENANT_ID}/v2.0`);
    assert.equal(config.token_endpoint, `${sim.authorityHost}/${TENANT_ID}/oauth2/v2.0/token`);
    const jwks = (await (await fetch(config.jwks_uri ?? '')).json()) as { keys: { kty: string }[] };
    assert.equal(jwks.keys[0]?.kty, 'RSA');
    const unknown = await fetch(`${sim.authorityHost}/fabrikam.example/v2.0/.well-known/openid-configuration`);
    assert.equal(unknown.status, 400);
    assert.equal(
      aadstsCode(((await unknown.json()) as { error_description: string }).error_description),
      'AADSTS90002',
    );
  });

  it('issues an app-only Graph token to the real ClientSecretCredential, roles from app role assignments', async () => {
    const token = await secretCredential(sim, RESPONDER.appId, RESPONDER.secret).getToken(GRAPH_SCOPE);
    const claims = claimsOf(token.token);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.iss, `https://sts.windows.net/${TENANT_ID}/`);
    assert.equal(claims.tid, TENANT_ID);
    assert.equal(claims.appid, RESPONDER.appId);
    assert.equal(claims.oid, RESPONDER.spId);
    assert.equal(claims.idtyp, 'app');
    assert.deepEqual(claims.roles, [
      'AppRoleAssignment.ReadWrite.All',
      'Application.ReadWrite.All',
      'AuditLog.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      'User.ReadWrite.All',
      'User.RevokeSessions.All',
    ]);
    assert.equal(Number(claims.exp) - Number(claims.iat), 3599);
    assert.ok(token.expiresOnTimestamp > Date.now() + 55 * 60_000);
    assert.deepEqual(sim.mutations().tokens.issued, { client_credentials: 1 });
  });

  it('refuses a wrong secret with AADSTS7000215 (HTTP 401 invalid_client)', async () => {
    await assert.rejects(
      secretCredential(sim, RESPONDER.appId, 'not-the-secret-at-all').getToken(GRAPH_SCOPE),
      refusedWith('AADSTS7000215'),
    );
    const raw = await clientCredentialsGrant(sim, RESPONDER.appId, 'not-the-secret-at-all');
    assert.equal(raw.status, 401);
    assert.equal(raw.json.error, 'invalid_client');
    assert.deepEqual(raw.json.error_codes, [7000215]);
    assert.match(String(raw.json.error_description), /^AADSTS7000215: Invalid client secret provided\..*Trace ID: /);
    for (const field of ['timestamp', 'trace_id', 'correlation_id']) assert.equal(typeof raw.json[field], 'string');
    assert.deepEqual(sim.mutations().tokens.refused, { AADSTS7000215: 2 });
  });

  it('refuses an unknown app (AADSTS700016) and an expired secret (AADSTS7000222)', async () => {
    await assert.rejects(
      secretCredential(sim, '11111111-2222-4333-8444-555555555555', RESPONDER.secret).getToken(GRAPH_SCOPE),
      refusedWith('AADSTS700016'),
    );
    await assert.rejects(
      secretCredential(sim, HELPDESK.appId, HELPDESK.expiredSecret).getToken(GRAPH_SCOPE),
      refusedWith('AADSTS7000222'),
    );
  });

  it('accepts only the Graph .default scope for client credentials', async () => {
    const notDefault = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      client_id: RESPONDER.appId,
      client_secret: RESPONDER.secret,
      scope: 'https://graph.microsoft.com/User.Read.All',
    });
    assert.equal(notDefault.status, 400);
    assert.equal(aadstsCode(notDefault.json.error_description), 'AADSTS1002012');
    const otherResource = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      client_id: RESPONDER.appId,
      client_secret: RESPONDER.secret,
      scope: 'https://management.azure.com/.default',
    });
    assert.equal(aadstsCode(otherResource.json.error_description), 'AADSTS500011');
    const byAppId = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      client_id: RESPONDER.appId,
      client_secret: RESPONDER.secret,
      scope: '00000003-0000-0000-c000-000000000000/.default',
    });
    assert.equal(byAppId.status, 200);
  });

  it('authenticates the real ClientCertificateCredential with the fixture certificate (x5t#S256, PS256)', async () => {
    const token = await certificateCredential(sim, MAIL_SYNC_PRO.appId, mailSyncProPem()).getToken(GRAPH_SCOPE);
    const claims = claimsOf(token.token);
    assert.equal(claims.appid, MAIL_SYNC_PRO.appId);
    assert.equal(claims.appidacr, '2');
    assert.deepEqual(claims.roles, ['Mail.Read']);
  });

  it('refuses a client assertion signed by a certificate the app does not have (AADSTS700027)', async () => {
    await assert.rejects(
      certificateCredential(sim, RESPONDER.appId, mailSyncProPem()).getToken(GRAPH_SCOPE),
      refusedWith('AADSTS700027'),
    );
  });

  it("accepts a multi-tenant app's home-tenant secret, which this tenant cannot see or remove", async () => {
    const token = await appToken(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.homeTenantSecret);
    assert.equal(claimsOf(token).appid, MAIL_SYNC_PRO.appId);
    const sp = await graph(sim, await responderToken(sim), 'GET', `/servicePrincipals/${MAIL_SYNC_PRO.spId}`);
    assert.equal((sp.json.passwordCredentials as unknown[]).length, 2);
  });

  it('refuses every credential of a disabled service principal (AADSTS7000112), but earlier tokens keep working', async () => {
    const responder = await responderToken(sim);
    const earlier = await appToken(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.attackerSecret.secret);
    const patched = await graph(sim, responder, 'PATCH', `/servicePrincipals/${MAIL_SYNC_PRO.spId}`, {
      accountEnabled: false,
    });
    assert.equal(patched.status, 204);
    for (const secret of [MAIL_SYNC_PRO.attackerSecret.secret, MAIL_SYNC_PRO.homeTenantSecret]) {
      await assert.rejects(appToken(sim, MAIL_SYNC_PRO.appId, secret), refusedWith('AADSTS7000112'));
    }
    await assert.rejects(
      certificateCredential(sim, MAIL_SYNC_PRO.appId, mailSyncProPem()).getToken(GRAPH_SCOPE),
      refusedWith('AADSTS7000112'),
    );
    // Real Entra: an access token already issued lives until it expires (the playbook reports that window).
    const stillValid = await graph(sim, earlier, 'GET', `/servicePrincipals/${MAIL_SYNC_PRO.spId}`);
    assert.equal(stillValid.status, 403, 'the old token is accepted (authenticated) but Mail.Read cannot read SPs');
    assert.equal((stillValid.json.error as { code: string }).code, 'Authorization_RequestDenied');
  });
});
