// The Google Workspace activities with the real @googleapis/admin client and google-auth-library's domain-wide
// delegation, against the Workspace simulator: a malicious app's grants found across the domain and deleted (its
// stolen token refused after), sign-out, suspension and its release, and the refusals an operator must act on.
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createWorkspaceActivities } from '../activities/workspace.js';
import {
  DEFAULT_SEED_PATH,
  keyFileOf,
  loadWorkspaceSeed,
  startWorkspaceSimulator,
  WORKSPACE_SANDBOX,
  type WorkspaceSimulator,
} from '../simulators/workspace/index.js';
import { createWorkspaceDomains } from './workspace-clients.js';

const { domain, admin, maliciousApp, legitimateApp, users } = WORKSPACE_SANDBOX;
const APP = { domain, clientId: maliciousApp.clientId, displayText: maliciousApp.displayText };

function failure(error: unknown, type: string): ApplicationFailure {
  assert.ok(error instanceof ApplicationFailure, String(error));
  assert.equal(error.type, type, error.message);
  return error;
}

describe('Google Workspace activities through domain-wide delegation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-workspace-'));
  const keyFile = join(dir, 'revoker-workspace.json');
  let sim: WorkspaceSimulator;
  before(async () => {
    sim = await startWorkspaceSimulator();
    writeFileSync(keyFile, JSON.stringify(keyFileOf(loadWorkspaceSeed(DEFAULT_SEED_PATH))), { mode: 0o600 });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => sim.reset());

  const activities = (adminEmail: string = admin.email) =>
    createWorkspaceActivities(
      createWorkspaceDomains({ adminEmail, keyFile, rootUrl: sim.rootUrl, tokenUrl: sim.tokenUrl }),
    );
  /** What the malicious app gets with the token it holds for `token`'s user. */
  const gmail = (token: string) =>
    fetch(new URL('gmail/v1/users/me/profile', sim.rootUrl), { headers: { authorization: `Bearer ${token}` } });

  it('finds every user who granted the app, and deletes the grants everywhere: the stolen token is refused', async () => {
    const ws = activities();
    assert.equal((await gmail(users.maria.tokens.maliciousApp)).status, 200, 'the stolen token works before');
    const found = await ws.discoverWorkspacePrincipal({
      type: 'workspace.app',
      domain,
      clientId: maliciousApp.clientId,
      user: users.maria.email,
    });
    assert.equal(found.type, 'workspace.app');
    if (found.type !== 'workspace.app') return;
    assert.equal(found.displayText, 'Mail Helper Pro');
    assert.equal(found.focusUser, users.maria.email);
    assert.deepEqual([...found.grantedBy].sort(), [users.li.email, users.maria.email]);
    assert.equal(found.usersScanned, 5);
    // For the triage card: what its tokens may do (sorted, whichever user's read answers first).
    assert.deepEqual(found.scopes, ['https://mail.google.com/', 'https://www.googleapis.com/auth/contacts.readonly']);

    assert.equal((await ws.deleteWorkspaceAppToken({ ...APP, user: users.maria.email })).outcome, 'done');
    assert.equal((await ws.verifyWorkspaceAppTokenDeleted({ ...APP, user: users.maria.email })).ok, true);
    assert.equal((await gmail(users.maria.tokens.maliciousApp)).status, 401, 'refused after');
    assert.deepEqual(sim.tokens(users.maria.email), [legitimateApp.clientId], "maria's Slack grant is untouched");

    const everywhere = await ws.deleteWorkspaceAppTokensEverywhere(APP);
    assert.deepEqual(everywhere, {
      outcome: 'done',
      observed: '1 of 5 users held a grant to Mail Helper Pro',
    });
    const check = await ws.verifyWorkspaceAppGoneEverywhere(APP);
    assert.equal(check.ok, true, check.evidence);
    assert.deepEqual(sim.grantsOf(maliciousApp.clientId), []);
    assert.deepEqual(sim.grantsOf(legitimateApp.clientId).sort(), [users.maria.email, users.sam.email]);
    assert.equal((await gmail(users.li.tokens.maliciousApp)).status, 401);
    // Idempotent: a retry or a re-run changes nothing more.
    assert.equal((await ws.deleteWorkspaceAppTokensEverywhere(APP)).outcome, 'already');
    assert.equal((await ws.deleteWorkspaceAppToken({ ...APP, user: users.li.email })).outcome, 'already');
  });

  it('signs a user out, suspends them (their apps refused) and unsuspends them on release', async () => {
    const ws = activities();
    const user = { domain, user: users.maria.email };
    const found = await ws.discoverWorkspacePrincipal({ type: 'workspace.user', user: users.maria.email });
    assert.deepEqual(found.type === 'workspace.user' && found.apps.map((a) => a.displayText).sort(), [
      'Mail Helper Pro',
      'Slack',
    ]);
    assert.equal(sim.sessions(users.maria.email), 2);
    assert.equal((await ws.signOutWorkspaceUser(user)).outcome, 'done');
    assert.equal(sim.sessions(users.maria.email), 0);
    assert.match((await ws.verifyWorkspaceUserSignedOut(user)).evidence, /does not show sessions/);

    assert.equal((await ws.suspendWorkspaceUser(user)).outcome, 'done');
    assert.equal((await ws.verifyWorkspaceUserSuspended({ ...user, expected: 'suspended' })).ok, true);
    assert.equal((await gmail(users.maria.tokens.maliciousApp)).status, 401, 'apps acting for her are refused');
    assert.equal((await ws.suspendWorkspaceUser(user)).outcome, 'already');
    assert.equal((await ws.unsuspendWorkspaceUser(user)).outcome, 'done');
    assert.equal((await ws.verifyWorkspaceUserSuspended({ ...user, expected: 'active' })).ok, true);
    assert.equal((await gmail(users.maria.tokens.maliciousApp)).status, 200, 'her grants work again');
  });

  it('a user that does not exist is TargetNotFound, and a domain not served is refused with what to set', async () => {
    const ws = activities();
    failure(
      await ws
        .discoverWorkspacePrincipal({ type: 'workspace.user', user: `nobody@${domain}` })
        .catch((e: unknown) => e),
      'TargetNotFoundError',
    );
    const other = failure(
      await ws.discoverWorkspacePrincipal({ type: 'workspace.user', user: 'x@other.example' }).catch((e: unknown) => e),
      'InvalidRequestError',
    );
    assert.match(other.message, /other\.example is not served by this worker: set REVOKER_WORKSPACE_ADMIN/);
  });

  it('a non-admin subject is refused with how to set up delegation, and nothing changes', async () => {
    const refused = failure(
      await activities(users.sam.email)
        .suspendWorkspaceUser({ domain, user: users.li.email })
        .catch((e: unknown) => e),
      'PermissionDeniedError',
    );
    assert.match(refused.message, /Domain-wide delegation/);
    assert.equal(sim.user(users.li.email)?.suspended, false);
  });

  it('throttled token reads during a domain-wide scan are a retryable ThrottledError', async () => {
    sim.injectFault({ method: 'tokens.list', status: 429, times: 1 });
    const error = failure(
      await activities()
        .verifyWorkspaceAppGoneEverywhere(APP)
        .catch((e: unknown) => e),
      'ThrottledError',
    );
    assert.equal(error.nonRetryable, false);
  });

  it('revoker doctor reaches the domain as the delegated admin', async () => {
    const [check, ...more] = await activities().checkWorkspaceAccess();
    assert.deepEqual(more, []);
    assert.equal(check?.id, domain);
    assert.equal(check?.reachable, true, check?.problem);
    assert.equal(check?.identity, `delegated as ${admin.email}`);
  });
});
