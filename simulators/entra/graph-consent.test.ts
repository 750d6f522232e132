import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EntraSimulator } from './index.js';
import {
  ADELE,
  appToken,
  claimsOf,
  graph,
  GRAPH_SP_ID,
  HELPDESK,
  MAIL_SYNC_PRO,
  useResponderSimulator,
} from './test-support.js';

const SP = `/servicePrincipals/${MAIL_SYNC_PRO.spId}`;

interface Page {
  value: Record<string, unknown>[];
  '@odata.nextLink'?: string;
}

async function allPages(
  sim: EntraSimulator,
  token: string,
  path: string,
): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next !== undefined) {
    const response = await graph(sim, token, 'GET', next);
    assert.equal(response.status, 200, JSON.stringify(response.json));
    const body = response.json as unknown as Page;
    items.push(...body.value);
    next = body['@odata.nextLink'];
    pages += 1;
  }
  return { items, pages };
}

describe('Graph consent: oauth2PermissionGrants and appRoleAssignments', () => {
  let sim: EntraSimulator;
  let token: string;
  useResponderSimulator((ready) => ({ sim, token } = ready));

  it("lists the app's delegated grants page by page ($top + @odata.nextLink)", async () => {
    const first = await graph(sim, token, 'GET', `${SP}/oauth2PermissionGrants?$top=1`);
    const nextLink = String(first.json['@odata.nextLink']);
    assert.match(
      nextLink,
      new RegExp(`^${sim.graphEndpoint.replace(/\./g, '\\.')}${SP}/oauth2PermissionGrants\\?\\$top=1&\\$skiptoken=`),
    );
    const { items, pages } = await allPages(sim, token, `${SP}/oauth2PermissionGrants?$top=1`);
    assert.equal(pages, 2);
    assert.deepEqual(
      items.map((g) => [g.id, g.consentType, g.principalId, g.resourceId, g.scope, g.clientId]).sort(),
      [
        [MAIL_SYNC_PRO.allPrincipalsGrantId, 'AllPrincipals', null, GRAPH_SP_ID, 'User.Read', MAIL_SYNC_PRO.spId],
        [
          MAIL_SYNC_PRO.adeleGrantId,
          'Principal',
          ADELE.id,
          GRAPH_SP_ID,
          'Mail.Read offline_access',
          MAIL_SYNC_PRO.spId,
        ],
      ].sort(),
    );
    const filtered = await graph(
      sim,
      token,
      'GET',
      `/oauth2PermissionGrants?$filter=clientId eq '${MAIL_SYNC_PRO.spId}'&$top=5`,
    );
    assert.equal((filtered.json.value as unknown[]).length, 2);
    assert.equal((await graph(sim, token, 'GET', `${SP}/oauth2PermissionGrants?$top=0`)).status, 400);
  });

  it('deletes grants (204, then 404) and keeps paging consistent while deleting', async () => {
    const first = await graph(sim, token, 'GET', `${SP}/oauth2PermissionGrants?$top=1`);
    const [firstGrant] = first.json.value as { id: string }[];
    assert.equal((await graph(sim, token, 'DELETE', `/oauth2PermissionGrants/${firstGrant?.id ?? ''}`)).status, 204);
    const second = await graph(sim, token, 'GET', String(first.json['@odata.nextLink']));
    assert.equal((second.json.value as unknown[]).length, 1, 'the cursor neither skips nor repeats after a delete');
    const [secondGrant] = second.json.value as { id: string }[];
    assert.equal((await graph(sim, token, 'DELETE', `/oauth2PermissionGrants/${secondGrant?.id ?? ''}`)).status, 204);
    const gone = await graph(sim, token, 'DELETE', `/oauth2PermissionGrants/${secondGrant?.id ?? ''}`);
    assert.equal(gone.status, 404);
    assert.equal((gone.json.error as { code: string }).code, 'Request_ResourceNotFound');
    assert.deepEqual(sim.grants(MAIL_SYNC_PRO.spId), []);
    assert.deepEqual(sim.mutations().counts, { deleteOauth2PermissionGrant: 2 });
  });

  it('lists and deletes the application permissions granted to the app; new tokens lose the role', async () => {
    const { items, pages } = await allPages(sim, token, `${SP}/appRoleAssignments?$top=1`);
    assert.equal(pages, 1);
    assert.deepEqual(
      items.map((a) => [a.id, a.appRoleId, a.principalId, a.principalType, a.resourceId, a.resourceDisplayName]),
      [
        [
          MAIL_SYNC_PRO.mailReadAssignmentId,
          '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
          MAIL_SYNC_PRO.spId,
          'ServicePrincipal',
          GRAPH_SP_ID,
          'Microsoft Graph',
        ],
      ],
    );
    const before = await appToken(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.attackerSecret.secret);
    assert.deepEqual(claimsOf(before).roles, ['Mail.Read']);

    const deleted = await graph(sim, token, 'DELETE', `${SP}/appRoleAssignments/${MAIL_SYNC_PRO.mailReadAssignmentId}`);
    assert.equal(deleted.status, 204);
    assert.deepEqual(sim.appRoleAssignments(MAIL_SYNC_PRO.spId), []);
    const after = await appToken(sim, MAIL_SYNC_PRO.appId, MAIL_SYNC_PRO.attackerSecret.secret);
    assert.equal(claimsOf(after).roles, undefined);
    assert.equal(
      (await graph(sim, token, 'DELETE', `${SP}/appRoleAssignments/${MAIL_SYNC_PRO.mailReadAssignmentId}`)).status,
      404,
    );
  });

  it("pages the responder's six assignments two at a time", async () => {
    const { items, pages } = await allPages(
      sim,
      token,
      '/servicePrincipals/7798296b-5250-4b26-8c26-c03b0265ea5c/appRoleAssignments?$top=2',
    );
    assert.equal(pages, 3);
    assert.equal(new Set(items.map((a) => a.id)).size, 6);
  });

  it('requires DelegatedPermissionGrant.ReadWrite.All and AppRoleAssignment.ReadWrite.All to delete', async () => {
    const weak = await appToken(sim, HELPDESK.appId, HELPDESK.secret);
    assert.equal((await graph(sim, weak, 'GET', `${SP}/appRoleAssignments`)).status, 200);
    assert.equal((await graph(sim, weak, 'GET', `${SP}/oauth2PermissionGrants`)).status, 403);
    assert.equal(
      (await graph(sim, weak, 'DELETE', `/oauth2PermissionGrants/${MAIL_SYNC_PRO.adeleGrantId}`)).status,
      403,
    );
    assert.equal(
      (await graph(sim, weak, 'DELETE', `${SP}/appRoleAssignments/${MAIL_SYNC_PRO.mailReadAssignmentId}`)).status,
      403,
    );
    assert.equal(sim.grants(MAIL_SYNC_PRO.spId).length, 2);
    assert.equal(sim.appRoleAssignments(MAIL_SYNC_PRO.spId).length, 1);
  });
});
