import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ADELE, graph, MAIL_SYNC_PRO, refreshGrant, responderToken, startTrustedSimulator } from './test-support.js';

describe('state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-sim-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart: changes, issued refresh tokens and the signing key are kept (mode 0600)', async () => {
    const stateFile = join(dir, 'entra.json');
    const first = await startTrustedSimulator({ stateFile });
    const token = await responderToken(first);
    const rotated = String((await refreshGrant(first, ADELE.stolenRefreshToken)).json.refresh_token);
    assert.equal(
      (
        await graph(first, token, 'POST', `/servicePrincipals/${MAIL_SYNC_PRO.spId}/removePassword`, {
          keyId: MAIL_SYNC_PRO.backupSecret.keyId,
        })
      ).status,
      204,
    );
    await first.close();
    assert.equal(statSync(stateFile).mode & 0o777, 0o600);
    assert.match(readFileSync(stateFile, 'utf8'), /"format": "revoker-entra-simulator-state\/v1"/);

    const second = await startTrustedSimulator({ stateFile });
    try {
      assert.deepEqual(second.servicePrincipal(MAIL_SYNC_PRO.spId)?.passwordKeyIds, [
        MAIL_SYNC_PRO.attackerSecret.keyId,
      ]);
      // A token minted before the restart still verifies, and the rotated refresh token is still redeemable.
      assert.equal((await graph(second, token, 'GET', `/users/${ADELE.id}`)).status, 200);
      assert.equal((await refreshGrant(second, rotated)).status, 200);
      second.reset();
      assert.equal(second.servicePrincipal(MAIL_SYNC_PRO.spId)?.passwordKeyIds.length, 2);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not a simulator state document', async () => {
    const stateFile = join(dir, 'other.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(stateFile, JSON.stringify({ format: 'something-else' }));
    await assert.rejects(startTrustedSimulator({ stateFile }), /is not a revoker-entra-simulator-state\/v1 document/);
  });
});
