// Google Workspace on a real dev server: an APT28-style malicious OAuth app whose stolen tokens are refused once
// its grants are gone from every user who granted it, a compromised user signed out and suspended (and
// unsuspended on release), and the app's incident rehearsed by a dry run first, changing nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dryRun } from '../../client/dry-run.js';
import { releaseSignal } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import { WORKSPACE_SANDBOX } from '../../simulators/workspace/index.js';
import { TEST_POLICY, TEST_SETTINGS, type Harness } from '../harness.js';
import { alertAbout, approve, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

const { domain, maliciousApp, legitimateApp, users } = WORKSPACE_SANDBOX;
const app: Principal = { type: 'workspace.app', domain, clientId: maliciousApp.clientId, user: users.maria.email };
const maria: Principal = { type: 'workspace.user', user: users.maria.email };
const OPEN: Policy = { ...TEST_POLICY, releaseWindow: '10m' };

describe('Google Workspace containment', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const gmail = async (token: string) =>
    (
      await fetch(new URL('gmail/v1/users/me/profile', h.workspace.rootUrl), {
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;

  it("deletes a malicious app's grant from the user at once, and from every other grantee after approval", async () => {
    assert.equal(await gmail(users.maria.tokens.maliciousApp), 200, 'the stolen token works before');
    assert.equal(await gmail(users.li.tokens.maliciousApp), 200);
    const handle = playbooks.handle((await h.start(alertAbout([app], 'high'))).workflowId);
    const waiting = await waitForStatus(handle, settled);
    assert.equal(
      statusOf(waiting, `workspace:delete-token:${users.maria.email}/${maliciousApp.clientId}`).status,
      'done',
    );
    const everywhere = `workspace:delete-app-everywhere:${domain}/${maliciousApp.clientId}`;
    assert.equal(statusOf(waiting, everywhere).status, 'awaiting-approval');
    assert.match(statusOf(waiting, everywhere).action.reason, /2 of 5 users hold a grant to Mail Helper Pro/);
    assert.equal(await gmail(users.maria.tokens.maliciousApp), 401, "maria's stolen token is refused");
    assert.equal(await gmail(users.li.tokens.maliciousApp), 200, 'nothing domain-wide before approval');

    await approve(handle, { approver: 'sam@example.com', actions: 'all', reason: 'APT28-style mail theft' });
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    assert.match(statusOf(report, everywhere).verification?.evidence ?? '', /no grant to Mail Helper Pro for any of 5/);
    assert.equal(await gmail(users.li.tokens.maliciousApp), 401, "li's too");
    assert.deepEqual(h.workspace.grantsOf(maliciousApp.clientId), []);
    assert.deepEqual(h.workspace.grantsOf(legitimateApp.clientId).sort(), [users.maria.email, users.sam.email]);
    assert.deepEqual(h.workspace.mutations().counts, { 'tokens.delete': 2 });
    assert.match(report.residualRisks.map((r) => r.risk).join(' '), /grant the app again unless it is blocked/);
  });

  it('rehearses the same incident in a dry run, changing nothing, with the plan the real run follows', async () => {
    const rehearsal = await dryRun(h.client, alertAbout([app], 'high'), {
      policy: TEST_POLICY,
      settings: TEST_SETTINGS,
      uiBaseUrl: 'http://ui',
    });
    assert.equal(rehearsal.state, 'DryRun');
    assert.deepEqual(h.workspace.mutations().counts, {}, 'a dry run changes nothing');
    assert.deepEqual(
      rehearsal.actions.map((r) => [r.action.id, r.status, r.preview?.changes]),
      [
        [`workspace:delete-token:${users.maria.email}/${maliciousApp.clientId}`, 'previewed', true],
        [`workspace:delete-app-everywhere:${domain}/${maliciousApp.clientId}`, 'previewed', true],
      ],
    );
    assert.equal(await gmail(users.maria.tokens.maliciousApp), 200);
  });

  it('signs a compromised user out at once, suspends them after approval, and unsuspends them on release', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([maria], 'high'), { policy: OPEN })).workflowId);
    const waiting = await waitForStatus(handle, settled);
    assert.equal(statusOf(waiting, `workspace:sign-out:${users.maria.email}`).status, 'done');
    assert.equal(h.workspace.sessions(users.maria.email), 0, 'her web sessions are over');
    assert.equal(statusOf(waiting, `workspace:suspend:${users.maria.email}`).status, 'awaiting-approval');

    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const contained = await waitForStatus(handle, (s) => s.state === 'Contained');
    assert.equal(statusOf(contained, `workspace:suspend:${users.maria.email}`).status, 'done');
    assert.equal(h.workspace.user(users.maria.email)?.suspended, true);
    assert.equal(await gmail(users.maria.tokens.maliciousApp), 401, 'apps acting for her are refused');

    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'false positive' });
    const released = await result(handle);
    assert.equal(released.state, 'Released');
    assert.equal(statusOf(released, `workspace:unsuspend:${users.maria.email}`).status, 'done');
    assert.equal(h.workspace.user(users.maria.email)?.suspended, false);
    assert.ok(
      released.irreversible.some((i) => i.action === `workspace:sign-out:${users.maria.email}`),
      `the sign-out is listed as what a release cannot undo: ${JSON.stringify(released.irreversible)}`,
    );
  });
});
