// The kit's own behaviour between tests, on a sandbox of its own (one dev server for this file).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Alert } from '../domain/alert.js';
import { KUBE_SANDBOX, type KubeSandbox } from './kube-sandbox.js';
import { startSandbox, type Sandbox } from './sandbox.js';

const KEY = 'AKIAALICE07EXAMPLE01';
let counter = 0;
const aliceAlert = (): Alert => ({
  source: 'kit-test',
  id: `kit-${process.pid}-${(counter += 1)}`,
  title: "alice's access key used from an unfamiliar network",
  severity: 'high',
  observedAt: new Date().toISOString(),
  principals: [{ type: 'aws.accessKey', accountId: '123456789012', accessKeyId: KEY }],
});

describe('sandbox.reset()', () => {
  let sandbox: Sandbox & { kubernetes: KubeSandbox };
  before(
    async () => {
      sandbox = await startSandbox({ kubernetes: true });
    },
    { timeout: 1_800_000 },
  );
  beforeEach(() => sandbox.reset());
  after(() => sandbox.close());

  it("terminates the principals' ledgers too, so a later test's release is not kept in force by an earlier incident", async () => {
    const first = await sandbox.run(aliceAlert(), { releaseWindow: '1h' });
    await first.waitFor((s) =>
      s.actions.some((r) => r.action.kind === 'aws.deactivateAccessKey' && r.status === 'done'),
    );
    const ledgers = async () => {
      const ids: string[] = [];
      for await (const w of sandbox.client.workflow.list({
        query: `WorkflowType = 'principal' AND ExecutionStatus = 'Running'`,
      })) {
        ids.push(w.workflowId);
      }
      return ids;
    };
    assert.ok((await ledgers()).length > 0, 'the incident holds its controls in a ledger');

    await sandbox.reset();
    assert.equal(sandbox.aws.accessKey(KEY)?.status, 'Active', 'the cloud is back to its seed');
    assert.deepEqual(await ledgers(), [], 'no ledger is left running');

    const second = await sandbox.run(aliceAlert(), { releaseWindow: '1h' });
    assert.equal(second.merged, false, 'a new incident');
    await second.waitFor((s) =>
      s.actions.some((r) => r.action.kind === 'aws.deactivateAccessKey' && r.status === 'done'),
    );
    assert.equal(sandbox.aws.accessKey(KEY)?.status, 'Inactive');
    await second.release('all', { as: 'responder@example.com', reason: 'pen test' });
    const report = await second.report();
    const undo = report.actions.filter((r) => r.action.reverses === `aws:deactivate-key:${KEY}`);
    assert.equal(undo.length, 1, 'the release undoes the deactivation');
    assert.equal(undo[0]?.status, 'done', `not kept in force: ${undo[0]?.note ?? ''}`);
    assert.equal(sandbox.aws.accessKey(KEY)?.status, 'Active', 'the key is back');
  });

  it('sweeps the trails and watches once by default, or as long as `watchFor` says', async () => {
    // The key's deletion waits for a person: refused, so the incident ends with containment.
    const decided = async (run: Awaited<ReturnType<Sandbox['run']>>) => {
      await run.waitFor((s) => s.actions.some((r) => r.status === 'awaiting-approval'));
      await run.reject('all', { as: 'responder@example.com' });
      return run.report();
    };
    const quick = await decided(await sandbox.run(aliceAlert()));
    assert.equal(quick.sweep?.state, 'swept');
    assert.equal(quick.watch?.state, 'quiet');
    assert.equal(quick.watch?.polls, 1, 'one read of the trail, at once');
    await sandbox.reset();
    const watched = await decided(await sandbox.run(aliceAlert(), { watchFor: '3s' }));
    const { cutOff = '', until = '' } = watched.watch ?? {};
    assert.ok(Date.parse(until) - Date.parse(cutOff) >= 3_000, 'watched for 3 s');
    assert.ok((watched.watch?.polls ?? 0) >= 3, 'read every second');
    assert.match(watched.watch?.proof ?? '', /^No use of these credentials after /);
  });

  it('serves the Kubernetes sandbox when asked: a dry run changes nothing there, a run contains, reset() re-seeds', async () => {
    const kube = sandbox.kubernetes;
    const stolen = await kube.podToken();
    const alert: Alert = { ...aliceAlert(), principals: [KUBE_SANDBOX.principals.podToken] };
    const rehearsal = await sandbox.dryRun(alert);
    assert.equal(rehearsal.state, 'DryRun');
    assert.deepEqual(sandbox.mutations(), { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} });

    const playbook = await sandbox.run(alert);
    const podStep = `kubernetes:delete-pod:${KUBE_SANDBOX.clusterId}/${KUBE_SANDBOX.namespace}/${KUBE_SANDBOX.pod}`;
    await playbook.approve([podStep], { as: 'responder@example.com', reason: 'token used from outside' });
    await playbook.waitFor((s) => s.actions.some((r) => r.action.id === podStep && r.status === 'done'));
    assert.equal(await kube.pod(), undefined);
    assert.deepEqual(sandbox.mutations().kubernetes, { 'delete pods': 1 });
    await kube.waitUntilRefused(stolen);

    await sandbox.reset();
    assert.ok(await kube.pod(), 'the Pod is back');
    assert.deepEqual(sandbox.mutations().kubernetes, {});
  });
});
