// `npm run test:reliability`: a rollout under Worker Versioning (docs/deploy/versioning.md), as an operator does it.
// Build A (a real `node worker/main.ts` process with REVOKER_DEPLOYMENT_NAME and REVOKER_BUILD_ID=A) is made current
// with `temporal worker deployment set-current-version` and starts a playbook that waits for approval. Build B starts,
// is made current, and A is stopped while the playbook still waits. The approval then reaches B, the playbook
// completes there (AUTO_UPGRADE), and its history and its versioning info say which build ran each workflow task.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import proto from '@temporalio/proto';
import { startPlaybook } from '../../client/start-playbook.js';
import { generatePayloadKeyEntry } from '../../connect/payload-codec.js';
import { approveSignal } from '../../domain/messages.js';
import type { Report } from '../../domain/report.js';
import { ensureTemporalCli } from '../../scripts/ensure-temporal-cli.mjs';
import { loadSeeds } from '../../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../../testing/settings.js';
import { startStack } from '../../testing/stack.js';
import { alertAbout, awsUser, settled, waitForStatus } from '../e2e/helpers.js';
import { recordFigure } from './figures.js';
import { stackEnvironment, untilOutput } from './release.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOYMENT = 'revoker-rollout-test';
const EventType = proto.temporal.api.enums.v1.EventType;
// The worker processes read history the stack's client encrypted: both take the keys from the environment.
process.env.REVOKER_PAYLOAD_KEYS ??= generatePayloadKeyEntry('versioning-test');
// Notifications only in this process (unversioned); the playbooks and AWS are the versioned builds'.
const stack = await startStack(loadSeeds(), { queues: ['notify'] });
const workers: ChildProcess[] = [];

after(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await stack.close();
});

it(
  'rolls a waiting playbook from build A to build B, which finishes it after A has stopped',
  { timeout: 600_000 },
  async () => {
    const buildA = await startBuild('A');
    await setCurrentVersion('A');

    const { workflowId } = await startPlaybook(stack.client, alertAbout([awsUser('alice')], 'high'), {
      policy: TEST_POLICY,
      settings: TEST_SETTINGS,
      uiBaseUrl: 'http://localhost:8233',
    });
    const handle = stack.client.workflow.getHandle(workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s), 120_000);
    assert.equal(await versionOf(workflowId), `${DEPLOYMENT}/A`, 'the playbook started on build A');

    // The rollout: B up, B current, A drained and stopped — with the playbook still waiting for its approver.
    const rolledOut = Date.now();
    await startBuild('B');
    await setCurrentVersion('B');
    buildA.kill('SIGTERM');
    await new Promise((resolve) => buildA.once('exit', resolve));
    const rolloutMs = Date.now() - rolledOut;

    const approvedAt = (await handle.fetchHistory()).events?.length ?? 0;
    await handle.signal(approveSignal, { approver: 'sam@example.com', actions: 'all', reason: 'versioning test' });
    // Pinned to A, it would wait for A forever: a bounded wait makes that a failure that says so.
    const report = (await Promise.race([
      handle.result(),
      sleep(120_000).then(() => {
        throw new Error('the playbook did not finish in 120 s after the rollout: is it still pinned to build A?');
      }),
    ])) as Report;
    assert.equal(report.state, 'Contained', report.summary);
    assert.equal(await versionOf(workflowId), `${DEPLOYMENT}/B`, 'build B finished it');

    const tasks = ((await handle.fetchHistory()).events ?? []).flatMap((event, index) =>
      event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        ? [{ index, version: event.workflowTaskCompletedEventAttributes?.deploymentVersion }]
        : [],
    );
    const ran = (build: string) => tasks.filter((task) => task.version?.buildId === build);
    assert.ok(ran('A').length > 0, 'build A ran the first workflow tasks');
    assert.ok(
      ran('A').every((task) => task.index < approvedAt),
      'and none after the rollout',
    );
    const later = tasks.filter((task) => task.index >= approvedAt);
    assert.ok(later.length > 0, 'the approval led to workflow tasks');
    assert.deepEqual(
      later.map((task) => `${task.version?.deploymentName}/${task.version?.buildId}`),
      later.map(() => `${DEPLOYMENT}/B`),
      'every workflow task after the rollout ran on build B',
    );
    // The doc's watch step: visibility lists the playbook under B's version, and the deployment names B current.
    const onB = `WorkflowId = "${workflowId}" AND TemporalWorkerDeploymentVersion = "${DEPLOYMENT}:B"`;
    const deadline = Date.now() + 30_000;
    while ((await stack.client.workflow.count(onB)).count !== 1) {
      if (Date.now() > deadline) throw new Error(`no workflow matched ${onB} in 30 s`);
      await sleep(500);
    }
    const described = temporalCli(['worker', 'deployment', 'describe', '--name', DEPLOYMENT, '--output', 'json']);
    assert.equal(described.status, 0, described.stderr);
    const deployment = JSON.parse(described.stdout) as {
      routingConfig?: { currentVersionBuildID?: string };
      versionSummaries?: { BuildID?: string; drainageStatus?: string }[];
    };
    assert.equal(deployment.routingConfig?.currentVersionBuildID, 'B', described.stdout);
    const drainage = deployment.versionSummaries?.find((version) => version.BuildID === 'A')?.drainageStatus;

    recordFigure({
      scenario: 'worker versioning: a waiting playbook rolled from build A to B',
      runs: 1,
      lost: report.state === 'Contained' ? 0 : 1,
      duplicated: 0,
      fiveXx: 0,
      note: `rollout (B up, current, A stopped) ${(rolloutMs / 1000).toFixed(1)} s; ${ran('A').length} tasks on A, ${ran('B').length} on B; A ${drainage ?? '?'}`,
    });
  },
);

/** The deployment version describeWorkflowExecution reports for the playbook, as `<deployment>/<build>`. */
async function versionOf(workflowId: string): Promise<string> {
  const { raw } = await stack.client.workflow.getHandle(workflowId).describe();
  const version = raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion;
  return `${version?.deploymentName ?? '(none)'}/${version?.buildId ?? '(none)'}`;
}

/**
 * The documented rollout step (docs/deploy/versioning.md), with the Temporal CLI. The server refuses it until the
 * build's workers have polled every task queue the deployment knows, so it is retried for a while.
 */
async function setCurrentVersion(buildId: string): Promise<void> {
  const args = ['worker', 'deployment', 'set-current-version', '--deployment-name', DEPLOYMENT, '--build-id', buildId];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = temporalCli([...args, '--yes']);
    if (run.status === 0) return;
    if (Date.now() > deadline) throw new Error(`set-current-version ${buildId} failed:\n${run.stdout}\n${run.stderr}`);
    await sleep(1000);
  }
}

function temporalCli(args: string[]) {
  return spawnSync(ensureTemporalCli(), [...args, '--address', stack.env.address], { encoding: 'utf8' });
}

/** `node worker/main.ts` for the playbooks and AWS as build `buildId` of the test's deployment; resolves when ready. */
async function startBuild(buildId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...stackEnvironment(stack),
      REVOKER_QUEUES: 'playbooks,aws',
      REVOKER_DEPLOYMENT_NAME: DEPLOYMENT,
      REVOKER_BUILD_ID: buildId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  const output = await untilOutput(child, /worker ready/, `build ${buildId}`, 180_000);
  assert.match(output, new RegExp(`"versioning":"${DEPLOYMENT} build ${buildId} \\(AUTO_UPGRADE\\)"`));
  return child;
}
