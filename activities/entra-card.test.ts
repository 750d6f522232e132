// What Entra discovery reads for the triage card, against the simulator through the worker's Graph client: an app's
// consented scopes by resource and who consented, its application permissions by value, a user's name and last
// sign-in; a refused read is a line on the card and discovery goes on, a throttled one fails for Temporal to retry.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { loadEntraSeed, DEFAULT_SEED_PATH, type EntraSimulator } from '../simulators/entra/index.js';
import {
  ADELE,
  GRAPH_SP_ID,
  MAIL_SYNC_PRO,
  refreshGrant,
  RESPONDER,
  secretCredential,
  startTrustedSimulator,
  TENANT_ID,
} from '../simulators/entra/test-support.js';
import { createEntraActivities, singleTenant } from './entra.js';
import { createGraphClient } from './graph-client.js';

describe('Entra discovery: the triage card', () => {
  let sim: EntraSimulator;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const entra = () =>
    createEntraActivities(
      singleTenant({
        tenantId: TENANT_ID,
        graph: createGraphClient({
          credential: secretCredential(sim, RESPONDER.appId, RESPONDER.secret),
          baseUrl: sim.graphEndpoint,
        }),
      }),
    );
  const mailSync = { type: 'entra.servicePrincipal', tenantId: TENANT_ID, appId: MAIL_SYNC_PRO.appId } as const;
  const adele = { type: 'entra.user', tenantId: TENANT_ID, user: ADELE.upn } as const;

  it("reads the app's delegated scopes by resource, admin consent apart from the users', and its app roles by value", async () => {
    const found = await entra().discoverEntraPrincipal(mailSync);
    assert.ok(found.type === 'entra.servicePrincipal');
    assert.equal(found.displayName, 'Mail Sync Pro');
    assert.equal(found.signInAudience, 'AzureADMultipleOrgs');
    assert.deepEqual(found.delegated, [
      { resource: 'Microsoft Graph', scopes: ['User.Read'], allUsers: true, users: 0 },
      { resource: 'Microsoft Graph', scopes: ['Mail.Read', 'offline_access'], allUsers: false, users: 1 },
    ]);
    assert.deepEqual(found.applicationPermissions, [{ resource: 'Microsoft Graph', roles: ['Mail.Read'] }]);
    assert.equal(found.unread, undefined);
    assert.deepEqual(sim.mutations().counts, {}, 'discovery changes nothing');
  });

  it("shows the roles by id, and says why, when Graph refuses the resource's service principal", async () => {
    sim.injectFault({ path: new RegExp(`^/v1\\.0/servicePrincipals/${GRAPH_SP_ID}$`), status: 403, times: 1 });
    const found = await entra().discoverEntraPrincipal(mailSync);
    assert.ok(found.type === 'entra.servicePrincipal');
    assert.equal(found.grantIds.length, 2, 'containment has what it needs');
    assert.equal(found.applicationPermissions?.[0]?.roles.length, 1);
    assert.notEqual(found.applicationPermissions?.[0]?.roles[0], 'Mail.Read');
    assert.deepEqual(found.unread, [
      { part: 'reach', what: 'resource names and app role values', why: 'Application.Read.All denied' },
    ]);
  });

  it("reads the user's display name and last sign-in, which moves when the stolen refresh token is redeemed", async () => {
    const seeded = await entra().discoverEntraPrincipal(adele);
    assert.ok(seeded.type === 'entra.user');
    assert.equal(seeded.displayName, 'Adele Vance');
    assert.deepEqual(seeded.lastSignIn, { at: '2026-11-30T07:12:44Z', service: 'interactive sign-in' });

    const before = Date.now() - 1000;
    assert.equal((await refreshGrant(sim, ADELE.stolenRefreshToken)).status, 200);
    const after = await entra().discoverEntraPrincipal(adele);
    assert.ok(after.type === 'entra.user');
    assert.equal(after.lastSignIn?.service, 'non-interactive sign-in');
    assert.ok(Date.parse(after.lastSignIn?.at ?? '') >= before);
  });

  it('says never for a user who never signed in, and what it could not read without AuditLog.Read.All', async () => {
    const megan = await entra().discoverEntraPrincipal({ ...adele, user: 'megan@contoso.example' });
    assert.ok(megan.type === 'entra.user');
    assert.deepEqual(megan.lastSignIn, {});

    const seed = loadEntraSeed(DEFAULT_SEED_PATH);
    seed.appRoleAssignments = seed.appRoleAssignments?.filter(
      (a) => !(a.principalId === RESPONDER.spId && a.appRole === 'AuditLog.Read.All'),
    );
    sim.reset(seed);
    const found = await entra().discoverEntraPrincipal(adele);
    assert.ok(found.type === 'entra.user');
    assert.equal(found.userId, ADELE.id, 'containment has what it needs');
    assert.equal(found.lastSignIn, undefined);
    assert.deepEqual(
      found.unread?.map((u) => [u.part, u.what]),
      [['lastUsed', 'last sign-in']],
    );
  });

  it('fails retryably when a card read is throttled, as any discovery read', async () => {
    sim.injectFault({ path: new RegExp(`^/v1\\.0/servicePrincipals/${GRAPH_SP_ID}$`), status: 429, times: 1 });
    await assert.rejects(entra().discoverEntraPrincipal(mailSync), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'ThrottledError');
      assert.equal(error.nonRetryable, false);
      return true;
    });
  });
});
