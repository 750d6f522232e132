import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startWorkspaceSimulator, WORKSPACE_SANDBOX, type WorkspaceSeed, type WorkspaceSimulator } from './index.js';
import { directoryClient, gmailProfile, googleError, SEED } from './test-support.js';

const { users, maliciousApp, legitimateApp } = WORKSPACE_SANDBOX;
const { maria, li } = users;

describe('containment with the real @googleapis/admin client', () => {
  let sim: WorkspaceSimulator;
  before(async () => {
    sim = await startWorkspaceSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("deletes the malicious app's token: its stolen token works before and is refused after; Slack's stays", async () => {
    const directory = directoryClient(sim);
    const before = await gmailProfile(sim, maria.tokens.maliciousApp);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body, { emailAddress: maria.email, ...maria.mailbox });

    const listed = await directory.tokens.list({ userKey: maria.email });
    assert.equal(listed.data.kind, 'admin#directory#tokenList');
    assert.match(listed.data.etag ?? '', /^"[\w-]+\/[\w-]+"$/);
    assert.deepEqual(
      listed.data.items?.map((t) => [t.kind, t.clientId, t.displayText, t.userKey, t.scopes]),
      [
        ['admin#directory#token', maliciousApp.clientId, 'Mail Helper Pro', maria.id, [...maliciousApp.scopes]],
        ['admin#directory#token', legitimateApp.clientId, 'Slack', maria.id, [...legitimateApp.scopes]],
      ],
    );

    const deleted = await directory.tokens.delete({ userKey: maria.email, clientId: maliciousApp.clientId });
    assert.equal(deleted.status, 204);
    const afterDelete = await gmailProfile(sim, maria.tokens.maliciousApp);
    assert.equal(afterDelete.status, 401);
    assert.equal(afterDelete.authFailure, 'token-revoked');
    assert.deepEqual((afterDelete.body as { error: { status: string; errors: unknown[] } }).error.errors, [
      {
        message: 'Invalid Credentials',
        domain: 'global',
        reason: 'authError',
        location: 'Authorization',
        locationType: 'header',
      },
    ]);

    const remaining = await directory.tokens.list({ userKey: maria.email });
    assert.deepEqual(
      remaining.data.items?.map((t) => t.clientId),
      [legitimateApp.clientId],
    );
    assert.deepEqual(sim.tokens(maria.email), [legitimateApp.clientId]);
    assert.deepEqual(sim.grantsOf(maliciousApp.clientId), [li.email], "li's grant is untouched");
    const info = await fetch(new URL(`oauth2/v3/tokeninfo?access_token=${maria.tokens.legitimateApp}`, sim.rootUrl));
    assert.equal(info.status, 200, "Slack's token still works");
    assert.equal(((await info.json()) as { aud: string }).aud, legitimateApp.clientId);

    await assert.rejects(
      directory.tokens.get({ userKey: maria.email, clientId: maliciousApp.clientId }),
      googleError(404, 'notFound', { message: /^Resource Not Found: clientId$/ }),
    );
    assert.deepEqual(sim.mutations().counts, { 'tokens.delete': 1 });
    assert.deepEqual(sim.mutations().tokens.issued, { [WORKSPACE_SANDBOX.admin.email]: 1 });
  });

  it('finds users by primary email, alias or id, and signOut ends their web sessions', async () => {
    const directory = directoryClient(sim);
    for (const key of [maria.email, maria.alias, maria.id, maria.email.toUpperCase()]) {
      const got = await directory.users.get({ userKey: key });
      assert.equal(got.data.primaryEmail, maria.email, key);
    }
    const got = await directory.users.get({ userKey: maria.email });
    assert.equal(got.data.kind, 'admin#directory#user');
    assert.equal(got.data.suspended, false);
    assert.equal(got.data.orgUnitPath, '/');
    assert.equal(got.data.customerId, WORKSPACE_SANDBOX.customerId);
    assert.deepEqual(got.data.aliases, [maria.alias]);

    assert.equal(sim.sessions(maria.email), 2);
    const signedOut = await directory.users.signOut({ userKey: maria.email });
    assert.equal(signedOut.status, 204);
    assert.equal(sim.sessions(maria.email), 0);
    assert.equal(sim.sessions(li.email), 1, 'only that user');
    assert.equal((await gmailProfile(sim, maria.tokens.maliciousApp)).status, 200, 'signOut leaves OAuth grants alone');
    assert.deepEqual(
      sim.mutations().log.map((e) => [e.operation, e.target]),
      [['users.signOut', maria.email]],
    );
  });

  it("suspends a user through users.update: the app's token is refused while suspended and works again after", async () => {
    const directory = directoryClient(sim);
    assert.equal((await gmailProfile(sim, li.tokens.maliciousApp)).status, 200);

    const suspended = await directory.users.update({ userKey: li.email, requestBody: { suspended: true } });
    assert.equal(suspended.data.suspended, true);
    assert.equal(suspended.data.suspensionReason, 'ADMIN');
    const refused = await gmailProfile(sim, li.tokens.maliciousApp);
    assert.equal(refused.status, 401);
    assert.equal(refused.authFailure, 'user-suspended');
    assert.deepEqual(sim.user(li.email), {
      id: li.id,
      primaryEmail: li.email,
      aliases: [],
      name: { givenName: 'Li', familyName: 'Wei' },
      isAdmin: false,
      suspended: true,
      suspensionReason: 'ADMIN',
      orgUnitPath: '/',
      sessions: 0,
      tokens: [maliciousApp.clientId],
    });
    assert.deepEqual(
      (await directory.tokens.list({ userKey: li.email })).data.items?.map((t) => t.clientId),
      [maliciousApp.clientId],
      'suspension keeps the grant: tokens.delete is what revokes it',
    );

    // A PUT of the fetched user (output-only fields and all) changes only what differs.
    const fetched = (await directory.users.get({ userKey: li.id })).data;
    const restored = await directory.users.update({ userKey: li.id, requestBody: { ...fetched, suspended: false } });
    assert.equal(restored.data.suspended, false);
    assert.equal(restored.data.suspensionReason, undefined);
    assert.equal((await gmailProfile(sim, li.tokens.maliciousApp)).status, 200);

    await directory.users.patch({ userKey: li.email, requestBody: { suspended: true } });
    assert.equal(sim.user(li.email)?.suspended, true);
    assert.deepEqual(
      sim.mutations().log.map((e) => [e.operation, e.detail]),
      [
        ['users.update', 'suspended=true'],
        ['users.update', 'suspended=false'],
        ['users.patch', 'suspended=true'],
      ],
    );
    await assert.rejects(
      directory.users.update({ userKey: li.email, requestBody: { primaryEmail: 'other@acme.example' } }),
      googleError(400, 'invalid', { message: /^Invalid Input: primaryEmail/ }),
    );
  });

  it('lists users page by page, in order, filtered by query', async () => {
    const many: WorkspaceSeed = {
      ...structuredClone(SEED),
      generatedUsers: { count: 250, grants: [{ clientId: maliciousApp.clientId, users: [7, 123, 250] }] },
    };
    sim.reset(many);
    const directory = directoryClient(sim);
    const emails: string[] = [];
    const pages: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = await directory.users.list({
        customer: 'my_customer',
        orderBy: 'email',
        maxResults: 100,
        ...(pageToken === undefined ? {} : { pageToken }),
      });
      assert.equal(page.data.kind, 'admin#directory#users');
      pages.push(page.data.users?.length ?? 0);
      emails.push(...(page.data.users ?? []).map((u) => u.primaryEmail ?? ''));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken !== undefined);
    assert.deepEqual(pages, [100, 100, 55]);
    assert.equal(new Set(emails).size, 255);
    assert.deepEqual(emails, [...emails].sort());
    assert.equal((await directory.users.list({ customer: WORKSPACE_SANDBOX.customerId })).data.users?.length, 100);

    const generated = await directory.users.list({
      domain: WORKSPACE_SANDBOX.domain,
      query: 'email:user*',
      maxResults: 500,
    });
    assert.equal(generated.data.users?.length, 250);
    assert.equal(generated.data.nextPageToken, undefined);
    assert.deepEqual(sim.grantsOf(maliciousApp.clientId), [
      maria.email,
      li.email,
      'user0007@acme.example',
      'user0123@acme.example',
      'user0250@acme.example',
    ]);
    const grant = await directory.tokens.list({ userKey: 'user0123@acme.example' });
    assert.deepEqual(
      grant.data.items?.map((t) => t.clientId),
      [maliciousApp.clientId],
    );
    assert.equal((await gmailProfile(sim, 'ya29.SANDBOX-mailhelper-user0123')).status, 200);

    await directory.users.update({ userKey: 'user0001@acme.example', requestBody: { suspended: true } });
    const active = await directory.users.list({ customer: 'my_customer', query: 'isSuspended=false', maxResults: 500 });
    assert.equal(active.data.users?.length, 254);
    const named = await directory.users.list({ customer: 'my_customer', query: "email:'maria@acme.example'" });
    assert.deepEqual(
      named.data.users?.map((u) => u.primaryEmail),
      [maria.email],
    );
    const byAlias = await directory.users.list({ customer: 'my_customer', query: 'email:m.garcia*' });
    assert.deepEqual(
      byAlias.data.users?.map((u) => u.primaryEmail),
      [maria.email],
    );

    const first = await directory.users.list({ customer: 'my_customer', maxResults: 10 });
    await assert.rejects(
      directory.users.list({
        customer: 'my_customer',
        maxResults: 10,
        query: 'isAdmin=true',
        pageToken: first.data.nextPageToken ?? '',
      }),
      googleError(400, 'invalid', { message: /^Invalid page token$/ }),
      'a page token belongs to its listing',
    );
    await assert.rejects(
      directory.users.list({ customer: 'my_customer', query: 'phone=123' }),
      googleError(400, 'invalid', { message: /^Invalid Input$/ }),
    );
    await assert.rejects(
      directory.users.list({ customer: 'my_customer', maxResults: 501 }),
      googleError(400, 'invalid', { message: /^Invalid value '501'\. Values must be within the range: \[1, 500\]$/ }),
    );
    await assert.rejects(directory.users.list({}), googleError(400, 'badRequest', { message: /^Bad Request$/ }));
  });
});
