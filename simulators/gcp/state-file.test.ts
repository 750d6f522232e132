import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GCP_SANDBOX, startGcpSimulator } from './index.js';
import { createServiceAccountKey, generateAccessToken, grantTokenCreator, useCredential } from './stratus.js';
import { googleError, iamClient, keyFile, loggingClient } from './test-support.js';

const { compromised, responder } = GCP_SANDBOX;
const ETL_ACCOUNT = `projects/${GCP_SANDBOX.projectId}/serviceAccounts/${compromised.email}`;

describe('state file persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gcp-sim-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart: a deleted key stays deleted and the stolen key stays refused', async () => {
    const stateFile = join(dir, 'nested', 'sandbox.json');
    const first = await startGcpSimulator({ stateFile });
    assert.ok(existsSync(stateFile), 'written at start');
    const keys = iamClient(first, keyFile(responder.keyName)).projects.serviceAccounts.keys;
    await keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await keys.delete({ name: compromised.stolenKeyName });
    await first.close();
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['sandbox.json'], 'no temporary file left behind');
    assert.equal(statSync(stateFile).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(stateFile, 'utf8'), /PRIVATE KEY/, 'the state holds public keys only');

    const second = await startGcpSimulator({ stateFile });
    try {
      assert.equal(second.key(compromised.stolenKeyName), undefined);
      assert.deepEqual(second.mutations().counts, {}, 'counters are per process, state is not');
      await assert.rejects(
        iamClient(second, keyFile(compromised.stolenKeyName)).projects.serviceAccounts.get({ name: ETL_ACCOUNT }),
        googleError(401, 'UNAUTHENTICATED', { authFailure: 'key-deleted' }),
      );
      await iamClient(second, keyFile(responder.keyName)).projects.serviceAccounts.disable({
        name: ETL_ACCOUNT,
        requestBody: {},
      });
      const onDisk = JSON.parse(readFileSync(stateFile, 'utf8')) as {
        state: { serviceAccounts: { email: string; disabled: boolean }[] };
      };
      const etl = onDisk.state.serviceAccounts.find((a) => a.email === compromised.email);
      assert.equal(etl?.disabled, true, 'rewritten after the mutation');
    } finally {
      await second.close();
    }
  });

  it('survives a restart: created keys, account policies, minted tokens and audit logs, with no secret on disk', async () => {
    const stateFile = join(dir, 'persistence.json');
    const first = await startGcpSimulator({ stateFile });
    const stolen = { keyFile: keyFile(compromised.stolenKeyName) };
    const member = `serviceAccount:${compromised.email}`;
    const condition = { title: 'temporary', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' };
    const { keyName, keyFile: backdoor } = await createServiceAccountKey(first, stolen);
    await grantTokenCreator(first, stolen, GCP_SANDBOX.deployer.email, member, { condition });
    const { accessToken } = await generateAccessToken(first, stolen, GCP_SANDBOX.deployer.email);
    const policy = first.serviceAccountPolicy(GCP_SANDBOX.deployer.email);
    const logged = first.auditLog().length;
    await first.close();
    const onDisk = readFileSync(stateFile, 'utf8');
    assert.doesNotMatch(onDisk, /PRIVATE KEY/, 'the created key is on disk by its public half only');
    assert.equal(onDisk.includes(accessToken), false, 'a minted token only by its hash');

    const second = await startGcpSimulator({ stateFile });
    try {
      assert.equal(second.key(keyName)?.disabled, false);
      assert.equal(await useCredential(second, { keyFile: backdoor }), 200, 'the backdoor key still works');
      assert.equal(await useCredential(second, { accessToken }, GCP_SANDBOX.deployer.email), 200, 'so does the token');
      assert.deepEqual(second.serviceAccountPolicy(GCP_SANDBOX.deployer.email), policy, 'the policy and its etag');
      assert.equal(second.auditLog().length, logged + 2, 'the log goes on where it was');
      const { data } = await loggingClient(second, keyFile(responder.keyName)).entries.list({
        requestBody: {
          resourceNames: [`projects/${GCP_SANDBOX.projectId}`],
          filter: 'protoPayload.methodName="google.iam.admin.v1.CreateServiceAccountKey"',
        },
      });
      assert.equal(data.entries?.length, 1, 'entries written before the restart are read after it');
      const seqs = (
        JSON.parse(readFileSync(stateFile, 'utf8')) as { state: { auditLog: { seq: number }[] } }
      ).state.auditLog.map((r) => r.seq);
      assert.equal(new Set(seqs).size, seqs.length, 'entry sequence numbers stay unique across the restart');
    } finally {
      await second.close();
    }
  });

  it('reset() rewrites the file from the seed', async () => {
    const stateFile = join(dir, 'reset.json');
    const sim = await startGcpSimulator({ stateFile });
    try {
      await iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts.keys.disable({
        name: compromised.stolenKeyName,
        requestBody: {},
      });
      assert.match(readFileSync(stateFile, 'utf8'), /"disabled": true/);
      sim.reset();
      assert.equal(sim.key(compromised.stolenKeyName)?.disabled, false);
      assert.doesNotMatch(readFileSync(stateFile, 'utf8'), /"disabled": true/);
    } finally {
      await sim.close();
    }
  });
});
