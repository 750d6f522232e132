// A team's own test of its Revoker policy, as docs/testing-kit.md shows it:
// our AWS account (aws-seed.json) and our policy (policy.yaml), on a real Temporal dev server.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSandbox, type Alert, type Sandbox } from 'revoker/testing';

const KEY = 'AKIADEPLOYBOT0000001';
const alert: Alert = {
  source: 'splunk',
  id: 'finding-0001',
  title: "deploy-bot's access key used from an unfamiliar network",
  severity: 'high',
  observedAt: '2026-11-23T09:14:00Z',
  principals: [{ type: 'aws.user', accountId: '111122223333', userName: 'deploy-bot' }],
};

describe('our containment policy', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({
      seeds: { aws: new URL('./aws-seed.json', import.meta.url) },
      policy: new URL('./policy.yaml', import.meta.url),
    });
  });
  beforeEach(() => sandbox.reset());
  after(() => sandbox.close());

  it('plans to deactivate the key at once and to delete it only with approval, changing nothing in a dry run', async () => {
    const rehearsal = await sandbox.dryRun(alert);

    assert.deepEqual(
      rehearsal.actions.map((step) => [step.action.id, step.action.mode]),
      [
        [`aws:deactivate-key:${KEY}`, 'auto'],
        [`aws:delete-key:${KEY}`, 'approval'],
        ['aws:deny-user-sessions:111122223333/deploy-bot', 'auto'],
      ],
    );
    const unread = rehearsal.actions.filter((step) => step.status !== 'previewed');
    assert.deepEqual(unread, [], 'no step is skipped, and each one read its target');
    assert.deepEqual(sandbox.mutations(), { aws: {}, entra: {}, gcp: {}, workspace: {} }, 'a dry run changes nothing');
  });

  it("deletes the key once the SOC approves, and not on anyone else's word", async () => {
    const playbook = await sandbox.run(alert);

    await assert.rejects(playbook.approve('all', { as: 'eve@example.com' }), /eve@example.com is not an approver/);
    await playbook.approve('all', { as: 'sam@example.com', reason: 'confirmed with the deploy team' });

    const report = await playbook.report();
    assert.equal(report.state, 'Contained');
    assert.equal(sandbox.aws.accessKey(KEY), undefined, 'the key is gone');
  });
});
