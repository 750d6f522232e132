// Kubernetes on a real dev server and a real control plane (the Kubernetes sandbox, testing/kube-sandbox.ts): the
// stolen tokens of payments/api — the legacy Secret's and one bound to Pod api-0 — work before containment and are
// refused after it; a dry run of the same alert changes nothing; re-creating the account refuses every old token; taking
// the account out of its bindings leaves a stolen token forbidden until a release puts them back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dryRun } from '../../client/dry-run.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseSignal } from '../../domain/messages.js';
import { KUBE_SANDBOX, type KubeSandbox } from '../../testing/kube-sandbox.js';
import { TEST_POLICY, TEST_SETTINGS, type Harness } from '../harness.js';
import { alertAbout, approve, reject, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

const { clusterId, namespace, serviceAccount, pod, tokenSecret, principals } = KUBE_SANDBOX;
const SECRET_STEP = `kubernetes:delete-token-secret:${clusterId}/${namespace}/${tokenSecret}`;
const POD_STEP = `kubernetes:delete-pod:${clusterId}/${namespace}/${pod}`;
const BINDINGS_STEP = `kubernetes:remove-bindings:${clusterId}/${namespace}/${serviceAccount}`;
const RESTORE_STEP = `kubernetes:restore-bindings:${clusterId}/${namespace}/${serviceAccount}`;
const RECREATE_STEP = `kubernetes:recreate-service-account:${clusterId}/${namespace}/${serviceAccount}`;
const APPROVER = 'sam@example.com';

/** The alert a SIEM sends once an audit event shows the account's tokens used from outside: the Pod's and the Secret's. */
const stolenTokens = () => alertAbout([principals.podToken, principals.secretToken], 'high');

describe('Kubernetes containment', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const waiting = (status: PlaybookStatus) =>
    status.actions.filter((r) => r.status === 'awaiting-approval').map((r) => r.action.id);

  it('deletes the stolen legacy Secret at once and the Pod after approval: both stolen tokens are refused', async () => {
    const kube = h.kubernetes;
    const legacy = await kube.legacyToken();
    const bound = await kube.podToken();
    assert.equal(await kube.tokenStatus(legacy), 200, 'the legacy token works before');
    assert.equal(await kube.tokenStatus(bound), 200, 'the Pod-bound token works before');

    const handle = playbooks.handle((await h.start(stolenTokens())).workflowId);
    const first = await waitForStatus(handle, settled);
    assert.equal(statusOf(first, SECRET_STEP).status, 'done', 'high severity: the Secret goes at once');
    assert.equal(statusOf(first, POD_STEP).status, 'awaiting-approval');
    assert.equal(await kube.tokenSecret(), undefined);
    assert.ok(await kube.pod(), 'the Pod stays until someone approves');

    await approve(handle, { approver: APPROVER, actions: [POD_STEP], reason: 'tokens used from a VPS' });
    const approved = await waitForStatus(handle, (s) => ['done', 'failed'].includes(statusOf(s, POD_STEP).status));
    // Anything else the plan offers (taking the account out of its bindings) is not this test's: declined.
    const others = waiting(approved);
    if (others.length) await reject(handle, { approver: APPROVER, actions: others, reason: 'the Pod is enough' });
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    assert.equal(statusOf(report, POD_STEP).status, 'done');
    assert.equal(statusOf(report, POD_STEP).verification?.ok, true, statusOf(report, POD_STEP).verification?.evidence);
    assert.equal(await kube.pod(), undefined, 'the Pod is gone (its controller would start a new one)');

    const [legacyMs, boundMs] = await Promise.all([kube.waitUntilRefused(legacy), kube.waitUntilRefused(bound)]);
    assert.ok(legacyMs <= 20_000 && boundMs <= 20_000);
    assert.deepEqual(kube.mutations().counts, { 'delete secrets': 1, 'delete pods': 1 }, 'each change made once');
    assert.match(
      report.residualRisks.map((r) => r.risk).join(' '),
      /client certificate.*cannot be revoked.*kubernetes\/kubernetes#18982/,
    );
  });

  it('rehearses the same alert in a dry run: the plan, and nothing changed (the stolen tokens still work)', async () => {
    const kube = h.kubernetes;
    const legacy = await kube.legacyToken();
    const bound = await kube.podToken();
    const rehearsal = await dryRun(h.client, stolenTokens(), {
      policy: TEST_POLICY,
      settings: TEST_SETTINGS,
      uiBaseUrl: 'http://ui',
    });
    assert.equal(rehearsal.state, 'DryRun');
    assert.deepEqual(kube.mutations().counts, {}, 'a dry run changes nothing in the cluster');
    const steps = new Map(rehearsal.actions.map((r) => [r.action.id, r]));
    assert.deepEqual(
      [SECRET_STEP, POD_STEP].map((id) => [
        steps.get(id)?.action.mode,
        steps.get(id)?.status,
        steps.get(id)?.preview?.changes,
      ]),
      [
        ['auto', 'previewed', true],
        ['approval', 'previewed', true],
      ],
    );
    assert.equal(await kube.tokenStatus(legacy), 200);
    assert.equal(await kube.tokenStatus(bound), 200);
    assert.ok(await kube.tokenSecret());
    assert.ok(await kube.pod());
  });

  it('re-creates the account after approval: every old token is refused, a new one passes TokenReview', async () => {
    const kube = h.kubernetes;
    const before = (await kube.serviceAccount())?.metadata?.uid;
    const stolen = [await kube.legacyToken(), await kube.podToken(), await kube.accountToken()];
    for (const token of stolen) assert.equal(await kube.tokenStatus(token), 200);

    // Known only by its JTI (the audit event's credential-id): no Secret or Pod to delete, the account is re-created.
    const jti = { ...principals.podToken, pod: undefined, jti: '2f0c4c1e-6a7b-4d8e-9f00-7e57ab1e0001' };
    const handle = playbooks.handle((await h.start(alertAbout([jti], 'high'))).workflowId);
    const first = await waitForStatus(handle, settled);
    assert.equal(statusOf(first, RECREATE_STEP).status, 'awaiting-approval');
    assert.equal(await kube.tokenStatus(stolen[2] ?? ''), 200, 'nothing changes before approval');

    await approve(handle, { approver: APPROVER, actions: [RECREATE_STEP] });
    const approved = await waitForStatus(handle, (s) => ['done', 'failed'].includes(statusOf(s, RECREATE_STEP).status));
    const others = waiting(approved);
    if (others.length) await reject(handle, { approver: APPROVER, actions: others });
    const report = await result(handle);
    const step = statusOf(report, RECREATE_STEP);
    assert.equal(step.status, 'done', JSON.stringify(step.error));
    assert.equal(step.verification?.ok, true);
    assert.match(step.verification?.evidence ?? '', /TokenReview authenticates a new token/);
    const after = (await kube.serviceAccount())?.metadata?.uid;
    assert.ok(after && after !== before, 'the same account by name, with a new uid');

    await Promise.all(stolen.map((token) => kube.waitUntilRefused(token)));
    assert.equal(await kube.tokenWorks(await kube.accountToken()), true, "the new account's tokens work");
    assert.deepEqual(kube.mutations().counts, {
      'delete serviceaccounts': 1,
      'create serviceaccounts': 1,
      'create serviceaccounts/token': 1,
    });
  });

  it('takes the account out of its bindings after approval (stolen token forbidden) and a release puts them back', async () => {
    const kube = h.kubernetes;
    const seeded = (await kube.bindings()).sort();
    assert.deepEqual(seeded, ['ClusterRoleBinding/api-reads-namespaces', 'RoleBinding/payments/api-reads-pods']);
    const bound = await kube.podToken();
    assert.equal(await kube.tokenStatus(bound), 200);

    // Contained playbooks stay open for a release longer than the test.
    const policy = { ...TEST_POLICY, releaseWindow: '10m' };
    const handle = playbooks.handle((await h.start(alertAbout([principals.podToken], 'high'), { policy })).workflowId);
    const first = await waitForStatus(handle, settled);
    assert.deepEqual(waiting(first).sort(), [POD_STEP, BINDINGS_STEP].sort(), 'both end the token; both need a human');
    await approve(handle, { approver: APPROVER, actions: [BINDINGS_STEP], reason: 'keep the workload running' });
    await reject(handle, { approver: APPROVER, actions: [POD_STEP], reason: 'the bindings are enough' });
    const contained = await waitForStatus(handle, (s) => s.state === 'Contained');
    const removal = statusOf(contained, BINDINGS_STEP);
    assert.equal(removal.status, 'done', JSON.stringify(removal.error));
    assert.equal(removal.verification?.ok, true, removal.verification?.evidence);
    assert.deepEqual(await kube.bindings(), [], 'no binding names the account');
    assert.ok(await kube.pod(), 'the workload keeps running');
    assert.equal(await statusWithin(kube, bound, 403), 403, 'the stolen token still authenticates, and may do nothing');

    await handle.signal(releaseSignal, { approver: APPROVER, actions: 'all', reason: 'false positive' });
    const report = await result(handle);
    assert.equal(report.state, 'Released');
    const restore = statusOf(report, RESTORE_STEP);
    assert.equal(restore.status, 'done', JSON.stringify(restore.error));
    assert.equal(restore.action.reverses, BINDINGS_STEP);
    assert.equal(restore.verification?.ok, true, restore.verification?.evidence);
    assert.deepEqual((await kube.bindings()).sort(), seeded, 'every binding is back');
    assert.equal(await statusWithin(kube, bound, 200), 200, 'the token works again');
    const writes = kube.mutations().counts;
    assert.equal(writes['delete pods'], undefined, 'the rejected Pod deletion never ran');
    assert.equal(writes['create configmaps'], 1, 'one copy, written before the bindings changed');
  });
});

/** The token's answer once RBAC's cache has caught up with a change (within a few seconds), or its last answer. */
async function statusWithin(kube: KubeSandbox, token: string, expected: number, withinMs = 10_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  let status = await kube.tokenStatus(token);
  while (status !== expected && Date.now() < deadline) {
    await sleep(250);
    status = await kube.tokenStatus(token);
  }
  return status;
}
