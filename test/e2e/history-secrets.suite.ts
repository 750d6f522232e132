import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { harness, type Harness } from '../harness.js';
import { alertAbout, approve, awsRole, awsUser, playbookTracker, result, settled, waitForStatus } from './helpers.js';

describe('workflow history', () => {
  let h: Harness;
  const playbooks = playbookTracker(() => h);

  beforeEach(async () => {
    h = await harness();
    h.aws.reset(h.seed);
  });
  afterEach(() => playbooks.cleanup());

  it('holds no credential or secret, from the alert to the report', async () => {
    const handle = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice'), awsRole('deploy')], 'high'))).workflowId,
    );
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    await result(handle);

    const history = JSON.stringify(await handle.fetchHistory());
    const secrets = [
      ...h.seed.users.flatMap((u) => u.accessKeys.map((k) => k.secretAccessKey)),
      process.env.AWS_SECRET_ACCESS_KEY ?? '',
    ].filter((secret) => secret.length >= 16);
    assert.ok(secrets.length > 2);
    for (const secret of secrets) {
      assert.equal(history.includes(secret), false, 'a secret access key appears in the history');
      assert.equal(history.includes(Buffer.from(secret).toString('base64')), false, 'a secret appears base64-encoded');
    }
    assert.doesNotMatch(history, /"SessionToken"|"SecretAccessKey"|secretAccessKey|Authorization/i);
    // Payloads are base64 JSON inside the history: decode them and look again.
    const decoded = [...history.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)]
      .map((m) => Buffer.from(m[1] ?? '', 'base64').toString('utf8'))
      .join('\n');
    assert.match(decoded, /alice/, 'the decoded payloads are what we think they are');
    for (const secret of secrets) assert.equal(decoded.includes(secret), false);
    assert.doesNotMatch(decoded, /"SessionToken"|"SecretAccessKey"|secretAccessKey|Bearer [\w-]/i);
  });
});
