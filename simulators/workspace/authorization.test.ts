import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startWorkspaceSimulator, WORKSPACE_SANDBOX, WORKSPACE_SCOPES, type WorkspaceSimulator } from './index.js';
import { delegatedAuth, directoryClient, googleError, KEY_FILE, oauthError } from './test-support.js';

const { users, maliciousApp } = WORKSPACE_SANDBOX;
const GROUP_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group';

describe('domain-wide delegation and Directory API authorization', () => {
  let sim: WorkspaceSimulator;
  before(async () => {
    sim = await startWorkspaceSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('a token without admin.directory.user.security reads users but gets 403 on tokens and signOut', async () => {
    const directory = directoryClient(sim, { scopes: [WORKSPACE_SCOPES.user] });
    assert.equal((await directory.users.get({ userKey: users.maria.email })).status, 200);
    const insufficient = googleError(403, 'insufficientPermissions', {
      status: 'PERMISSION_DENIED',
      message: /^Request had insufficient authentication scopes\.$/,
    });
    await assert.rejects(directory.tokens.list({ userKey: users.maria.email }), insufficient);
    await assert.rejects(directory.users.signOut({ userKey: users.maria.email }), insufficient);
    try {
      await directory.tokens.delete({ userKey: users.maria.email, clientId: maliciousApp.clientId });
      assert.fail('refused');
    } catch (error) {
      const e = error as { response: { headers: Headers; data: { error: { details: { metadata: object }[] } } } };
      assert.match(
        e.response.headers.get('www-authenticate') ?? '',
        /error="insufficient_scope", scope=".*admin\.directory\.user\.security"/,
      );
      assert.deepEqual(e.response.data.error.details[0]?.metadata, {
        service: 'admin.googleapis.com',
        method: 'ccc.hosted.frontend.directory.v1.DirectoryTokens.Delete',
      });
    }
    const readonly = directoryClient(sim, {
      scopes: ['https://www.googleapis.com/auth/admin.directory.user.readonly'],
    });
    await assert.rejects(
      directoryClient(sim, { scopes: [WORKSPACE_SCOPES.userSecurity] }).users.list({ customer: 'my_customer' }),
      insufficient,
    );
    await assert.rejects(
      readonly.users.update({ userKey: users.li.email, requestBody: { suspended: true } }),
      oauthError(401, 'unauthorized_client'),
      'readonly is not delegated in the sandbox',
    );
    assert.deepEqual(sim.mutations().counts, {});
  });

  it('refuses at /token a scope the client id is not authorised for: unauthorized_client', async () => {
    const directory = directoryClient(sim, { scopes: [WORKSPACE_SCOPES.user, GROUP_SCOPE] });
    await assert.rejects(directory.users.get({ userKey: users.maria.email }), (error: unknown) => {
      assert.match(
        (error as Error).message,
        /^unauthorized_client: Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested\.$/,
      );
      return oauthError(401, 'unauthorized_client', 'scope-not-delegated')(error);
    });
    assert.deepEqual(sim.mutations().tokens.refused, { unauthorized_client: 1 });
    assert.deepEqual(sim.mutations().tokens.issued, {});
  });

  it('refuses an unknown or suspended subject with invalid_grant', async () => {
    await assert.rejects(
      directoryClient(sim, { subject: 'ghost@acme.example' }).users.get({ userKey: users.maria.email }),
      (error: unknown) => {
        assert.match((error as Error).message, /^invalid_grant: Invalid email or User ID$/);
        return oauthError(400, 'invalid_grant', 'unknown-subject')(error);
      },
    );
    await directoryClient(sim).users.update({ userKey: users.sam.email, requestBody: { suspended: true } });
    await assert.rejects(
      delegatedAuth(sim, { subject: users.sam.email }).getAccessToken(),
      oauthError(400, 'invalid_grant', 'subject-suspended'),
    );
  });

  it('refuses an assertion signed by another key, or outside its lifetime by the simulated clock', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = { ...KEY_FILE, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    await assert.rejects(
      delegatedAuth(sim, { keyFile: forged }).getAccessToken(),
      oauthError(400, 'invalid_grant', 'signature'),
    );
    const stranger = { ...KEY_FILE, client_email: 'someone-else@acme-prod.iam.gserviceaccount.com' };
    await assert.rejects(
      delegatedAuth(sim, { keyFile: stranger }).getAccessToken(),
      oauthError(400, 'invalid_grant', 'unknown-account'),
    );

    const later = await startWorkspaceSimulator({ now: () => new Date(Date.now() + 2 * 3600_000) });
    try {
      await assert.rejects(delegatedAuth(later).getAccessToken(), (error: unknown) => {
        assert.match((error as Error).message, /Token must be a short-lived token \(60 minutes\)/);
        return oauthError(400, 'invalid_grant', 'lifetime')(error);
      });
    } finally {
      await later.close();
    }
  });

  it('only an administrator may use the Directory API: a non-admin subject, or none, gets 403', async () => {
    const notAuthorized = googleError(403, 'forbidden', { message: /^Not Authorized to access this resource\/api$/ });
    const asMaria = directoryClient(sim, { subject: users.maria.email });
    await assert.rejects(asMaria.users.get({ userKey: users.maria.email }), notAuthorized);
    await assert.rejects(asMaria.tokens.list({ userKey: users.li.email }), notAuthorized);
    const asItself = directoryClient(sim, { subject: null });
    await assert.rejects(asItself.users.list({ customer: 'my_customer' }), notAuthorized);
    assert.deepEqual(sim.mutations().tokens.issued, {
      [users.maria.email]: 1,
      [WORKSPACE_SANDBOX.serviceAccount.email]: 1,
    });
  });

  it("refuses a missing or unknown bearer, and an app's user token on the Directory API", async () => {
    const url = new URL(`admin/directory/v1/users/${encodeURIComponent(users.maria.email)}`, sim.rootUrl);
    const missing = await fetch(url);
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as { error: { status: string; errors: { reason: string }[] } };
    assert.equal(body.error.status, 'UNAUTHENTICATED');
    assert.equal(body.error.errors[0]?.reason, 'required');
    const unknown = await fetch(url, { headers: { authorization: 'Bearer ya29.not-a-token' } });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.headers.get('x-sim-auth-failure'), 'unknown-token');
    const stolen = await fetch(url, { headers: { authorization: `Bearer ${users.maria.tokens.maliciousApp}` } });
    assert.equal(stolen.status, 403, 'an app token holds no Directory scope');
  });

  it('answers 404 for an unknown user or token, and 403 for a user outside the domain', async () => {
    const directory = directoryClient(sim);
    const noUser = googleError(404, 'notFound', { message: /^Resource Not Found: userKey$/ });
    await assert.rejects(directory.users.get({ userKey: 'ghost@acme.example' }), noUser);
    await assert.rejects(directory.tokens.list({ userKey: '199999999999999999999' }), noUser);
    await assert.rejects(directory.users.signOut({ userKey: 'ghost@acme.example' }), noUser);
    const noToken = googleError(404, 'notFound', { message: /^Resource Not Found: clientId$/ });
    await assert.rejects(
      directory.tokens.delete({ userKey: users.ceo.email, clientId: maliciousApp.clientId }),
      noToken,
    );
    await assert.rejects(directory.tokens.get({ userKey: users.sam.email, clientId: maliciousApp.clientId }), noToken);
    const empty = await directory.tokens.list({ userKey: users.ceo.email });
    assert.deepEqual(
      Object.keys(empty.data).sort(),
      ['etag', 'kind'],
      'no items at all for a user who granted nothing',
    );
    await assert.rejects(
      directory.users.get({ userKey: 'maria@other.example' }),
      googleError(403, 'forbidden', { message: /^Not Authorized to access this resource\/api$/ }),
    );
    await assert.rejects(directory.users.list({ domain: 'other.example' }), googleError(403, 'forbidden'));
    assert.deepEqual(sim.mutations().counts, {});
  });
});
