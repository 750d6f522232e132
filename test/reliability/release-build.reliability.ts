// `npm run test:reliability`: the release. `npm run build` compiles Revoker into a directory of its own and bundles
// the workflows once; then the worker (every queue but notifications) runs from it with plain `node` — no tsx, no
// TypeScript anywhere — loading the prebuilt workflow bundle, and contains a three-cloud incident on a real Temporal
// dev server; the CLI, also from the build, reads its status.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { startPlaybook } from '../../client/start-playbook.js';
import { generatePayloadKeyEntry } from '../../connect/payload-codec.js';
import { approveSignal } from '../../domain/messages.js';
import type { Principal } from '../../domain/principal.js';
import type { Report } from '../../domain/report.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { loadSeeds } from '../../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../../testing/settings.js';
import { startStack } from '../../testing/stack.js';
import { alertAbout, awsUser, settled, waitForStatus } from '../e2e/helpers.js';
import { recordFigure } from './figures.js';
import { buildRelease, PLAIN_NODE, ROOT, stackEnvironment, untilReady } from './release.js';

const OUT = join('test-results', 'release-build');
process.env.REVOKER_PAYLOAD_KEYS ??= generatePayloadKeyEntry('release-build');
// This process serves notifications only: the playbooks and the clouds are the built worker's.
const stack = await startStack(loadSeeds(), { queues: ['notify'] });
let worker: ChildProcess | undefined;

after(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await stack.close();
  rmSync(join(ROOT, OUT), { recursive: true, force: true });
});

it(
  'builds, then the built worker and CLI run with plain node and contain an incident',
  { timeout: 600_000 },
  async () => {
    const buildSeconds = buildRelease(OUT);

    const env = {
      ...process.env,
      ...stackEnvironment(stack),
      REVOKER_QUEUES: 'playbooks,aws,entra,gcp',
      ...PLAIN_NODE,
    };
    const ready = Date.now();
    worker = spawn(process.execPath, [join(OUT, 'worker', 'main.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await untilReady(worker);
    const readySeconds = (Date.now() - ready) / 1000;
    assert.match(output, /"workflowCode":"prebuilt [^"]*workflow-bundle\.js"/, 'the worker loads the prebuilt bundle');
    assert.doesNotMatch(output, /Workflow bundle created/, 'and bundles nothing at start');

    const principals: Principal[] = [
      awsUser('alice'),
      { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
      { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
    ];
    const { workflowId } = await startPlaybook(stack.client, alertAbout(principals, 'high'), {
      policy: TEST_POLICY,
      settings: TEST_SETTINGS,
      uiBaseUrl: 'http://localhost:8233',
    });
    const handle = stack.client.workflow.getHandle(workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s), 120_000);
    await handle.signal(approveSignal, { approver: 'sam@example.com', actions: 'all', reason: 'release test' });
    const report = (await handle.result()) as Report;
    assert.equal(report.state, 'Contained', report.summary);

    const status = spawnSync(
      process.execPath,
      [join(OUT, 'client', 'cli.js'), 'status', report.handle ?? workflowId, '--json'],
      {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      },
    );
    assert.equal(status.status, 0, `the built CLI: ${status.stderr}`);
    assert.equal((JSON.parse(status.stdout) as Report).state, 'Contained');
    recordFigure({
      scenario: 'release build: built worker and CLI with plain node',
      runs: 1,
      lost: report.state === 'Contained' ? 0 : 1,
      duplicated: 0,
      fiveXx: 0,
      note: `build ${buildSeconds.toFixed(0)} s, built worker ready in ${readySeconds.toFixed(1)} s`,
    });
  },
);
