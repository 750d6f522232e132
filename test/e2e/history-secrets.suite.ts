import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Harness } from '../harness.js';
import {
  alertAbout,
  approve,
  awsRole,
  awsUser,
  historyText,
  result,
  settled,
  useSandbox,
  waitForStatus,
} from './helpers.js';

describe('workflow history', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('holds no credential or secret, from the alert to the report', async () => {
    const handle = playbooks.handle(
      (await h.start(alertAbout([awsUser('alice'), awsRole('deploy')], 'high'))).workflowId,
    );
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    await result(handle);

    const history = await historyText(handle);
    assert.match(history, /AKIAALICE07EXAMPLE01/, 'the decoded payloads are what we think they are');
    const secrets = [
      ...h.seed.users.flatMap((u) => u.accessKeys.map((k) => k.secretAccessKey)),
      process.env.AWS_SECRET_ACCESS_KEY ?? '',
    ].filter((secret) => secret.length >= 16);
    assert.ok(secrets.length > 2);
    for (const secret of secrets)
      assert.equal(history.includes(secret), false, 'a secret access key is in the history');
    assert.doesNotMatch(history, /"SessionToken"|"SecretAccessKey"|secretAccessKey|Authorization|Bearer [\w-]/i);
  });
});
