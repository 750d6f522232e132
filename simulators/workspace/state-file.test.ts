import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startWorkspaceSimulator, WORKSPACE_SANDBOX } from './index.js';
import { delegatedAuth, directoryClient, gmailProfile, KEY_FILE } from './test-support.js';

const { users, maliciousApp } = WORKSPACE_SANDBOX;

describe('state file persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'workspace-sim-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart: the revoked token stays refused, the suspension stays, issued tokens stay valid', async () => {
    const stateFile = join(dir, 'nested', 'sandbox.json');
    const first = await startWorkspaceSimulator({ stateFile });
    assert.ok(existsSync(stateFile), 'written at start');
    const directory = directoryClient(first);
    await directory.tokens.delete({ userKey: users.maria.email, clientId: maliciousApp.clientId });
    await directory.users.update({ userKey: users.li.email, requestBody: { suspended: true } });
    const { token } = await delegatedAuth(first).getAccessToken();
    await first.close();
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['sandbox.json'], 'no temporary file left behind');
    assert.equal(statSync(stateFile).mode & 0o777, 0o600);
    const text = readFileSync(stateFile, 'utf8');
    assert.doesNotMatch(text, /PRIVATE KEY/, 'the state holds public keys only');
    assert.equal(text.includes(KEY_FILE.private_key.split('\n')[1] ?? '-'), false);

    const second = await startWorkspaceSimulator({ stateFile });
    try {
      assert.deepEqual(second.tokens(users.maria.email), [WORKSPACE_SANDBOX.legitimateApp.clientId]);
      assert.equal(second.user(users.li.email)?.suspended, true);
      assert.deepEqual(second.mutations().counts, {}, 'counters are per process, state is not');
      const refused = await gmailProfile(second, users.maria.tokens.maliciousApp);
      assert.equal(refused.authFailure, 'token-revoked');
      const url = new URL(`admin/directory/v1/users/${users.maria.id}`, second.rootUrl);
      const reused = await fetch(url, { headers: { authorization: `Bearer ${String(token)}` } });
      assert.equal(reused.status, 200, 'a token issued before the restart still works');
      await directoryClient(second).users.signOut({ userKey: users.maria.email });
      const onDisk = JSON.parse(readFileSync(stateFile, 'utf8')) as {
        users: { primaryEmail: string; sessions: number }[];
      };
      assert.equal(
        onDisk.users.find((u) => u.primaryEmail === users.maria.email)?.sessions,
        0,
        'rewritten after the change',
      );
    } finally {
      await second.close();
    }
  });

  it('reset() rewrites the file from the seed', async () => {
    const stateFile = join(dir, 'reset.json');
    const sim = await startWorkspaceSimulator({ stateFile });
    try {
      await directoryClient(sim).users.update({ userKey: users.sam.email, requestBody: { suspended: true } });
      assert.match(readFileSync(stateFile, 'utf8'), /"suspended": true/);
      sim.reset();
      assert.equal(sim.user(users.sam.email)?.suspended, false);
      assert.doesNotMatch(readFileSync(stateFile, 'utf8'), /"suspended": true/);
    } finally {
      await sim.close();
    }
  });
});
