import type { WorkflowHandle } from '@temporalio/client';
// `npm run test:reliability`: the worker that holds the cloud credentials (a real `node worker/main.ts` process
// polling the aws, entra and gcp queues) is killed with kill -9 in the middle of a three-cloud playbook, after
// IAM committed the key deactivations and before their answers reached the worker (a reply-delay fault holds them),
// so its activities never complete. A new worker process takes over. Every step must be reported `done` (the
// retries find the change the killed attempt made: its intent was on the server first), every mutation must have
// happened exactly once (the simulators' mutation logs), and a release must bring every reversible change back.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPlaybook } from '../../client/start-playbook.js';
import { generatePayloadKeyEntry } from '../../connect/payload-codec.js';
import { approveSignal, releaseSignal, statusQuery } from '../../domain/messages.js';
import type { Principal } from '../../domain/principal.js';
import type { PlaybookStatus, Report } from '../../domain/report.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { loadSeeds } from '../../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../../testing/settings.js';
import { startStack } from '../../testing/stack.js';
import { alertAbout, awsUser } from '../e2e/helpers.js';
import { recordFigure } from './figures.js';
import { stackEnvironment, untilOutput } from './release.js';

const ROOT = join(import.meta.dirname, '..', '..');
// The worker process must read history the stack's client encrypted: both take the keys from the environment.
process.env.REVOKER_PAYLOAD_KEYS ??= generatePayloadKeyEntry('crash-test');
// Only the playbooks and notifications run in this process; the clouds' queues are the worker process's.
const stack = await startStack(loadSeeds(), { queues: ['playbooks', 'notify'] });
const workers: ChildProcess[] = [];

after(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await stack.close();
});

/** `node worker/main.ts` for the three clouds, with the environment a deployment gives it; resolves when ready. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...stackEnvironment(stack),
      REVOKER_QUEUES: 'aws,entra,gcp',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  await untilOutput(child, /worker ready/, 'worker');
  return child;
}

/** Every mutation the three simulators logged, as `cloud operation target detail`, and how often. */
function mutationCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (cloud: string, entries: { action?: string; operation?: string; target: string; detail?: string }[]) => {
    for (const e of entries) {
      // The detail tells a deactivation from the release's reactivation of the same key.
      const key = `${cloud} ${e.action ?? e.operation ?? '?'} ${e.target} ${e.detail ?? ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  add('aws', stack.aws.mutations().log);
  add('entra', stack.entra.mutations().log);
  add('gcp', stack.gcp.mutations().log);
  return counts;
}

async function until<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(value)})`);
    await sleep(100);
  }
}

function resetClouds(): void {
  stack.aws.reset();
  stack.entra.reset();
  stack.gcp.reset();
}

/** alice's access keys, and a three-cloud alert's principals: alice, the Entra sandbox user, the GCP account. */
function threeClouds(): { keys: string[]; principals: Principal[] } {
  const keys = stack.seeds.aws.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
  return {
    keys,
    principals: [
      awsUser('alice'),
      { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
      { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
    ],
  };
}

/** The playbook's status once it waits for approval with every automatic step finished. */
function automaticStepsFinished(handle: WorkflowHandle): Promise<PlaybookStatus> {
  return until(
    'the playbook settles with every automatic step finished',
    () => handle.query(statusQuery),
    (s: PlaybookStatus) =>
      s.state === 'AwaitingApproval' &&
      s.actions.filter((r) => r.action.mode === 'auto').every((r) => ['done', 'already', 'failed'].includes(r.status)),
    120_000,
  );
}

it(
  'kill -9 of the worker after its writes land: a new worker reports them done, once each, and a release undoes them',
  { timeout: 10 * 60_000 },
  async () => {
    const keys = stack.seeds.aws.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
    assert.ok(keys.length > 0);
    const principals: Principal[] = [
      awsUser('alice'),
      { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
      { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
    ];
    // IAM commits each deactivation and holds its answer (20 s) past the kill, which follows the commit at once.
    stack.aws.injectFault({ action: 'UpdateAccessKey', replyDelayMs: 20_000, times: keys.length });
    let worker = await startWorker();
    const { workflowId } = await startPlaybook(stack.client, alertAbout(principals, 'high'), {
      policy: { ...TEST_POLICY, releaseWindow: '10m' },
      // A dead worker's attempt is retried after 3 s without a heartbeat.
      settings: { ...TEST_SETTINGS, heartbeatTimeout: '3s' },
      uiBaseUrl: 'http://localhost:8233',
    });
    const handle = stack.client.workflow.getHandle(workflowId);

    await until(
      'IAM committed every key deactivation',
      () => keys.filter((k) => stack.aws.accessKey(k)?.status === 'Inactive').length,
      (n) => n === keys.length,
    );
    const before = mutationCounts().size;
    worker.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((resolve) => worker.once('exit', resolve));
    stack.aws.clearFaults();
    worker = await startWorker();

    const deactivations = keys.map((k) => `aws:deactivate-key:${k}`);
    const status = await automaticStepsFinished(handle);
    const recoverMs = Date.now() - killedAt;
    const stepOf = (id: string) => status.actions.find((r) => r.action.id === id);
    for (const id of deactivations) {
      assert.equal(stepOf(id)?.status, 'done', `${id} is reported as this playbook's own change`);
      assert.match(stepOf(id)?.observed ?? '', /was Active \(changed by attempt 1/);
    }
    const contained = mutationCounts();
    const duplicated = [...contained].filter(([, n]) => n > 1);
    assert.deepEqual(duplicated, [], 'every mutation exactly once');
    assert.ok(contained.size >= before, 'nothing the killed worker did is missing');

    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'false positive' });
    const report = (await handle.result()) as Report;
    assert.equal(report.state, 'Released');
    for (const key of keys) {
      assert.equal(stack.aws.accessKey(key)?.status, 'Active', `${key} is Active again`);
      assert.equal(report.actions.find((r) => r.action.id === `aws:reactivate-key:${key}`)?.status, 'done');
    }
    assert.equal(stack.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, true, 'the Entra user is enabled');
    const released = mutationCounts();
    const duplicatedAfter = [...released].filter(([, n]) => n > 1).length;
    assert.equal(duplicatedAfter, 0);
    recordFigure({
      scenario: 'kill -9 worker after writes land, then release',
      runs: 1,
      lost: 0,
      duplicated: duplicatedAfter,
      fiveXx: 0,
      recoverMs,
      note: `${before} mutations landed before the kill; ${keys.length} unanswered ones reported done; ${released.size} in all, once each`,
    });
  },
);

it(
  'a cloud call slower than the step timeout: the late first attempt never lands, the retry contains, a release undoes it',
  { timeout: 10 * 60_000 },
  async () => {
    resetClouds();
    const { keys, principals } = threeClouds();
    if (!workers.some((w) => w.exitCode === null && w.signalCode === null)) await startWorker();
    // Each first deactivation is held in the network longer than the step's 6 s start-to-close timeout: the
    // attempt aborts its call (worker/heartbeat.ts) and the held request must then never reach IAM.
    const latencyMs = 15_000;
    stack.aws.injectFault({ action: 'UpdateAccessKey', latencyMs, times: keys.length });
    const injectedAt = Date.now();
    const { workflowId } = await startPlaybook(stack.client, alertAbout(principals, 'high'), {
      policy: { ...TEST_POLICY, releaseWindow: '10m' },
      settings: { ...TEST_SETTINGS, activityTimeout: '6s', heartbeatTimeout: '3s' },
      uiBaseUrl: 'http://localhost:8233',
    });
    const handle = stack.client.workflow.getHandle(workflowId);
    const status = await automaticStepsFinished(handle);
    const containedMs = Date.now() - injectedAt;
    for (const key of keys) {
      assert.equal(status.actions.find((r) => r.action.id === `aws:deactivate-key:${key}`)?.status, 'done');
      assert.equal(stack.aws.accessKey(key)?.status, 'Inactive', `${key} is deactivated by the retry`);
    }
    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'false positive' });
    const report = (await handle.result()) as Report;
    assert.equal(report.state, 'Released');
    const updates = () => stack.aws.mutations().log.filter((e) => e.action === 'UpdateAccessKey');
    for (const key of keys) {
      assert.equal(stack.aws.accessKey(key)?.status, 'Active', `${key} is Active after the release`);
      assert.equal(report.actions.find((r) => r.action.id === `aws:reactivate-key:${key}`)?.status, 'done');
      assert.equal(
        updates().filter((e) => e.target.includes(key)).length,
        2,
        `${key}: one deactivation, one reactivation`,
      );
    }
    const released = mutationCounts();
    // Past the held latency: a first attempt that still landed would make a key Inactive again.
    await sleep(Math.max(0, injectedAt + latencyMs + 2_000 - Date.now()));
    const late = keys.filter((k) => stack.aws.accessKey(k)?.status !== 'Active');
    assert.deepEqual(late, [], 'no late first attempt landed after the release');
    const settled = mutationCounts();
    assert.deepEqual([...settled], [...released], 'nothing was logged after the held latency ran out');
    const duplicated = [...settled].filter(([, n]) => n > 1).length;
    assert.equal(duplicated, 0, 'every mutation exactly once');
    recordFigure({
      scenario: 'cloud call slower than the step timeout, retry contains, then release',
      runs: 1,
      lost: late.length,
      duplicated,
      fiveXx: 0,
      recoverMs: containedMs,
      note: `${keys.length} deactivations held ${latencyMs} ms past a 6 s step timeout; retries contained them; ${updates().length} UpdateAccessKey entries in all`,
    });
  },
);

it(
  'kill -9 of the worker between clouds: AWS contained, Entra and Google Cloud calls in flight; a new worker finishes each once',
  { timeout: 10 * 60_000 },
  async () => {
    resetClouds();
    const { keys, principals } = threeClouds();
    let worker = workers.find((w) => w.exitCode === null && w.signalCode === null) ?? (await startWorker());
    // Every Graph write and every IAM v1 disable is held in the network for 30 s; AWS answers at once.
    const latencyMs = 30_000;
    for (const method of ['POST', 'PATCH', 'DELETE']) stack.entra.injectFault({ method, latencyMs, times: 50 });
    for (const method of ['keys.disable', 'disable']) stack.gcp.injectFault({ method, latencyMs, times: 50 });
    const injectedAt = Date.now();
    const { workflowId } = await startPlaybook(stack.client, alertAbout(principals, 'high'), {
      policy: TEST_POLICY,
      // Longer than the held calls would need to time out on their own: only the kill ends them.
      settings: { ...TEST_SETTINGS, activityTimeout: '60s', heartbeatTimeout: '3s' },
      uiBaseUrl: 'http://localhost:8233',
    });
    const handle = stack.client.workflow.getHandle(workflowId);
    const provider = (id: string) => id.split(':')[0] ?? '';
    const atKill = await until(
      'AWS contained while Entra and Google Cloud writes are held',
      () => handle.query(statusQuery),
      (s: PlaybookStatus) =>
        keys.every((k) => s.actions.find((r) => r.action.id === `aws:deactivate-key:${k}`)?.status === 'done') &&
        ['entra', 'gcp'].every((p) => s.actions.some((r) => provider(r.action.id) === p && r.status === 'running')),
    );
    assert.equal(stack.entra.mutations().log.length + stack.gcp.mutations().log.length, 0, 'nothing landed yet');
    worker.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((resolve) => worker.once('exit', resolve));
    stack.entra.clearFaults();
    stack.gcp.clearFaults();
    worker = await startWorker();

    await automaticStepsFinished(handle);
    for (const approver of ['sam@example.com', 'kim@example.com']) {
      const status = await handle.query(statusQuery);
      if (status.state !== 'AwaitingApproval') break;
      await handle.signal(approveSignal, { approver, actions: 'all', reason: 'contain' });
      await until(
        'the approval is taken',
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => s.state !== 'AwaitingApproval' || s.decisions.length > status.decisions.length,
      );
    }
    const report = (await handle.result()) as Report;
    const recoverMs = Date.now() - killedAt;
    assert.equal(report.state, 'Contained', JSON.stringify(report.actions.map((r) => [r.action.id, r.status])));
    const failed = report.actions.filter((r) => r.status === 'failed').map((r) => r.action.id);
    assert.deepEqual(failed, []);
    assert.equal(stack.entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, false, 'the Entra user is off');
    const inFlight = atKill.actions.filter((r) => r.status === 'running').map((r) => r.action.id);
    for (const id of inFlight) {
      assert.ok(['done', 'already'].includes(report.actions.find((r) => r.action.id === id)?.status ?? ''), id);
    }

    const contained = mutationCounts();
    // Past the held latency: a killed attempt's request that still landed would add to the logs now.
    await sleep(Math.max(0, injectedAt + latencyMs + 2_000 - Date.now()));
    const settled = mutationCounts();
    assert.deepEqual([...settled], [...contained], 'no held request of the killed worker landed later');
    const duplicated = [...settled].filter(([, n]) => n > 1);
    assert.deepEqual(duplicated, [], 'every mutation exactly once');
    recordFigure({
      scenario: 'kill -9 worker between clouds mid-playbook',
      runs: 1,
      lost: 0,
      duplicated: duplicated.length,
      fiveXx: 0,
      recoverMs,
      note: `${inFlight.length} Entra/Google Cloud steps in flight at the kill (${inFlight.join(', ')}); ${settled.size} mutations in all, once each`,
    });
  },
);
