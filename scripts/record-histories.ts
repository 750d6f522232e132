// `npm run record-histories [-- <scenario>...]`: re-records the workflow histories that
// test/replay.test.ts replays against the current workflow code. Run it only on purpose, after an
// intended and versioned workflow change (see test/histories/README.md): a recorded history is the
// proof that runs started by older code still replay.
//
// It starts the end-to-end sandbox (dev server, simulators, real workers: test/harness.ts), runs
// each scenario through the webhook-free starter and the responders' Signals and Update, and
// writes each finished run's history in the JSON form Temporal's tools export (historyToJSON).
import type { WorkflowHandle } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dryRun } from '../client/dry-run.js';
import type { Alert } from '../domain/alert.js';
import { alertSignal, decideUpdate, releaseSignal } from '../domain/messages.js';
import type { Policy } from '../domain/policy.js';
import type { Principal } from '../domain/principal.js';
import type { Report } from '../domain/report.js';
import { defaultSandboxCaDir, ENTRA_SANDBOX, ensureSandboxCa, trustFile } from '../simulators/entra/index.js';
import { GCP_SANDBOX } from '../simulators/gcp/index.js';
import { harness, TEST_POLICY, TEST_SETTINGS, type Harness } from '../test/harness.js';
import { alertAbout, approve, awsUser, reject, settled, waitForStatus } from '../test/e2e/helpers.js';
import { EncryptionCodec, loadPayloadKeys, type PayloadKeys } from '../connect/payload-codec.js';
import { HISTORY_PAYLOAD_KEYS_FILE, historyToJSON } from '../test/history-json.js';
import { payloadsIn } from '../test/e2e/helpers.js';
import { ROOT } from './bootstrap.mjs';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { backdoorUser } from '../simulators/aws/stratus.js';
import { ACCOUNT as ALICE_ACCOUNT, ALICE, iamClient } from '../simulators/aws/test-support.js';
import { SWEEP_TEST_POLICY } from '../testing/settings.js';

const HISTORIES_DIR = join(ROOT, 'test', 'histories');
const APPROVER = 'sam@example.com';
/** Longer than any scenario: a playbook that never finishes fails the recording instead of hanging it. */
const SCENARIO_TIMEOUT_MS = 60_000;

interface Scenario {
  name: string;
  /** One line for test/histories/README.md. */
  what: string;
  /** Runs the scenario to the playbook's end and returns its handle and the state its report must have. */
  run(h: Harness): Promise<{ handle: WorkflowHandle; expected: Report['state'] }>;
}

const mixedCloud: Principal[] = [
  awsUser('alice'),
  { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
  { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
];

const SCENARIOS: Scenario[] = [
  {
    name: 'aws-approve-all',
    what: 'AWS IAM user, medium severity: every step waits for approval; `approve` Signal for all → `Contained`.',
    async run(h) {
      const handle = await started(h, alertAbout([awsUser('alice')], 'medium'));
      await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      await approve(handle, { approver: APPROVER, actions: 'all', reason: 'user confirms they did not do this' });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'aws-reject-deletes',
    what: 'AWS IAM user, high severity: keys deactivated and sessions denied at once; `reject` Signal for the key deletions → `Contained`.',
    async run(h) {
      const handle = await started(h, alertAbout([awsUser('alice')], 'high'));
      const status = await waitForStatus(handle, settled);
      const deletes = status.actions.map((r) => r.action.id).filter((id) => id.startsWith('aws:delete-key:'));
      await reject(handle, { approver: APPROVER, actions: deletes, reason: 'keep for forensics' });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'mixed-cloud-approved',
    what: 'One critical alert naming an AWS user, an Entra user and a GCP service account, contained in parallel; `approve` all → `Contained`.',
    async run(h) {
      const handle = await started(h, alertAbout(mixedCloud, 'critical'));
      await waitForStatus(handle, (s) => settled(s) && s.principals.every((p) => p.status !== 'discovering'), 30_000);
      await approve(handle, { approver: APPROVER, actions: 'all' });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'release-after-containment',
    what: 'AWS IAM user, high severity, with a release window: deletions rejected, `Contained`, then a `release` Signal reactivates the keys and removes the deny → `Released`.',
    async run(h) {
      const policy: Policy = { ...TEST_POLICY, releaseWindow: '10m' };
      const handle = await started(h, alertAbout([awsUser('alice')], 'high'), policy);
      const status = await waitForStatus(handle, settled);
      const deletes = status.actions.map((r) => r.action.id).filter((id) => id.startsWith('aws:delete-key:'));
      await reject(handle, { approver: APPROVER, actions: deletes, reason: 'keep for forensics' });
      await waitForStatus(handle, (s) => s.state === 'Contained');
      await handle.signal(releaseSignal, { approver: APPROVER, actions: 'all', reason: 'false positive: pen test' });
      return { handle, expected: 'Released' };
    },
  },
  {
    name: 'merged-alert',
    what: 'AWS IAM user, medium severity; a second, high-severity alert about the same user (GuardDuty) merged by the `intake` Update re-plans (deactivation and the deny run at once); `approve` the rest → `Contained`.',
    async run(h) {
      const handle = await started(h, alertAbout([awsUser('alice')], 'medium'));
      await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      const second = await h.start(
        alertAbout([awsUser('alice')], 'high', { source: 'guardduty', id: `gd-${Date.now().toString(36)}` }),
      );
      if (!second.merged) throw new Error('the second alert was not merged into the open playbook');
      await waitForStatus(handle, (s) => s.alerts.length === 2 && settled(s));
      await approve(handle, { approver: APPROVER, actions: 'all' });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'shared-control-released',
    what: "Two incidents on alice (alice alone, then alice with an Entra user and a GCP account), both high: the second finds alice's controls in force and holds them in her ledger (`principal/aws/…/user/alice`); the first is released (kept: held by the second), then the second, which undoes them as the last holder → `Released`.",
    async run(h) {
      const policy: Policy = { ...TEST_POLICY, releaseWindow: '10m' };
      const first = await started(h, alertAbout([awsUser('alice')], 'high'), policy);
      await waitForStatus(first, settled);
      const handle = await started(h, alertAbout(mixedCloud, 'high'), policy);
      await waitForStatus(handle, (s) => settled(s) && s.principals.every((p) => p.status !== 'discovering'), 30_000);
      const release = { approver: APPROVER, actions: 'all' as const, reason: 'false positive: pen test' };
      await first.signal(releaseSignal, release);
      await first.result();
      await handle.signal(releaseSignal, release);
      return { handle, expected: 'Released' };
    },
  },
  {
    name: 'merged-principals',
    what: 'AWS IAM user alice, medium severity; an `alert` Signal naming alice and an Entra user adds the Entra user (triaged, planned, `planChanges[].added`); `approve` all → `Contained`.',
    async run(h) {
      const handle = await started(h, alertAbout([awsUser('alice')], 'medium'));
      await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      const adele: Principal = {
        type: 'entra.user',
        tenantId: ENTRA_SANDBOX.tenantId,
        user: ENTRA_SANDBOX.compromisedUser.id,
      };
      await handle.signal(
        alertSignal,
        alertAbout([awsUser('alice'), adele], 'medium', { source: 'sentinel', id: 'adds-adele' }),
      );
      await waitForStatus(
        handle,
        (s) => s.principals.length === 2 && settled(s) && s.actions.some((r) => r.action.provider === 'entra'),
      );
      await approve(handle, { approver: APPROVER, actions: 'all' });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'continued-as-new',
    what: 'AWS IAM user, medium severity, `continueAsNewAfterEvents` 40: 25 merged alerts grow the history and the incident continues as new while its steps wait for approval (this file is the first run, ending in ContinuedAsNew); `approve` all in the new run → `Contained`.',
    async run(h) {
      const settings = { continueAsNewAfterEvents: 40 };
      const { workflowId, runId } = await h.start(alertAbout([awsUser('alice')], 'medium'), { settings });
      const handle = h.client.workflow.getHandle(workflowId, runId);
      await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      for (let i = 0; i < 25; i++) await h.start(alertAbout([awsUser('alice')], 'medium'), { settings });
      const latest = h.client.workflow.getHandle(workflowId);
      await waitForStatus(latest, (s) => (s.continuedAsNew ?? 0) >= 1 && settled(s));
      await approve(latest, { approver: APPROVER, actions: 'all' });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'approval-timeout-escalates',
    what: 'AWS IAM user, every step gated, approvalTimeout 1s: nobody decides, each step is escalated, then deactivation proceeds (onTimeout: proceed) and the deny and the deletions abort → `Contained` (keys inactive).',
    async run(h) {
      const policy: Policy = {
        ...TEST_POLICY,
        approvalTimeout: '1s',
        actions: {
          'aws.deactivateAccessKey': 'approval',
          'aws.denyUserSessions': 'approval',
          'aws.deleteAccessKey': 'approval',
        },
        onTimeout: { 'aws.deactivateAccessKey': 'proceed' },
      };
      const handle = await started(h, alertAbout([awsUser('alice')], 'low'), policy);
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'dry-run',
    what: 'A dry run (client/dry-run.ts) of a critical alert across the three clouds: every step previewed, nothing changed → `DryRun`.',
    async run(h) {
      const options = { policy: TEST_POLICY, settings: TEST_SETTINGS, uiBaseUrl: 'http://localhost:8233' };
      await dryRun(h.client, alertAbout(mixedCloud, 'critical'), options);
      // dryRun names its run after the clock; this sandbox ran only this one.
      for await (const run of h.client.workflow.list({ query: "WorkflowType = 'playbook'" })) {
        if (run.workflowId.startsWith('dry-run/')) {
          return { handle: h.client.workflow.getHandle(run.workflowId, run.runId), expected: 'DryRun' };
        }
      }
      throw new Error('the dry run is not listed');
    },
  },
  {
    name: 'decide-update',
    what: 'AWS IAM user, high severity: the deletions approved through the `decide` Update (the CLI and one-click links path) → `Contained`.',
    async run(h) {
      const handle = await started(h, alertAbout([awsUser('alice')], 'high'));
      await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      await handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'approve', approver: APPROVER, actions: 'all', reason: 'confirmed with the user' }],
      });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'fresh-links',
    what: "AWS IAM user, medium severity: the keys' deactivation approved by the `approve` Signal while the deny and the deletions wait, so the playbook posts fresh one-click links for them (`fresh-links`); the rest approved through the `decide` Update → `Contained`.",
    async run(h) {
      const handle = await started(h, alertAbout([awsUser('alice')], 'medium'));
      const status = await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
      const deactivates = status.actions.map((r) => r.action.id).filter((id) => id.startsWith('aws:deactivate-key:'));
      await approve(handle, { approver: APPROVER, actions: deactivates });
      await waitForStatus(handle, (s) =>
        deactivates.every((id) => s.actions.find((r) => r.action.id === id)?.status === 'done'),
      );
      await handle.executeUpdate(decideUpdate, { args: [{ verdict: 'approve', approver: APPROVER, actions: 'all' }] });
      return { handle, expected: 'Contained' };
    },
  },
  {
    name: 'sweep-watch',
    what: "alice's stolen key planted a backdoor user (Stratus aws.persistence.iam-backdoor-user): the sweep finds it, its key and console password; the deny and the password's deletion approved, the rest rejected; the backdoor key used during the watch → `Contained`, watch `used`.",
    async run(h) {
      const backdoor = await backdoorUser(h.aws.endpoint, ALICE, 'backdoor');
      const alert = alertAbout(
        [{ type: 'aws.accessKey', accountId: ALICE_ACCOUNT, accessKeyId: ALICE.accessKeyId }],
        'high',
      );
      const handle = await started(h, alert, SWEEP_TEST_POLICY);
      const profile = `aws:delete-login-profile:${ALICE_ACCOUNT}/backdoor`;
      await waitForStatus(
        handle,
        (s) => s.sweep?.state === 'swept' && s.actions.some((r) => r.action.id === profile),
        30_000,
      );
      await approve(handle, {
        approver: APPROVER,
        actions: [`aws:deny-user-sessions:${ALICE_ACCOUNT}/backdoor`, profile],
      });
      await reject(handle, { approver: APPROVER, actions: 'all', reason: 'kept for the investigation' });
      await waitForStatus(handle, (s) => s.watch?.state === 'watching', 30_000);
      await iamClient(h.aws, backdoor)
        .send(new GetUserCommand({}))
        .catch(() => undefined);
      await waitForStatus(handle, (s) => s.watch?.state === 'used', 30_000);
      return { handle, expected: 'Contained' };
    },
  },
];

async function started(h: Harness, alert: Alert, policy?: Policy): Promise<WorkflowHandle> {
  const { workflowId, runId } = await h.start(alert, policy ? { policy } : {});
  return h.client.workflow.getHandle(workflowId, runId);
}

/**
 * Every sandbox credential the history must not hold: the seeds' secret fields (AWS secret keys,
 * Entra client secrets and refresh tokens, GCP private keys line by line), the sandbox's named
 * secrets, the workers' own credentials and the one-click link secret.
 */
function sandboxSecrets(h: Harness): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key = ''): void => {
    if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => walk(v, k));
    else if (typeof value === 'string' && /secret|token|privateKey|password/i.test(key)) {
      for (const line of value.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) found.add(line);
    }
  };
  walk([h.seed, h.entraSeed, h.gcpSeed, ENTRA_SANDBOX]);
  for (const value of [process.env.AWS_SECRET_ACCESS_KEY, process.env.AZURE_CLIENT_SECRET, h.links.secret]) {
    if (value) found.add(value);
  }
  if (found.size < 5) throw new Error('found too few sandbox secrets to check the histories against');
  return [...found];
}

/** The file as written plus every payload decrypted, as the history-secrets suite reads it. */
async function readable(json: string, history: unknown, keys: PayloadKeys): Promise<string> {
  const decoded = await new EncryptionCodec(keys).decode(payloadsIn(history));
  return [json, ...decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8'))].join('\n');
}

function assertNoSecrets(name: string, text: string, secrets: string[]): void {
  if (!text.includes('alice') && !text.includes('etl-runner')) {
    throw new Error(`${name}: the decoded payloads are not what we think they are`);
  }
  const leaked = secrets.filter((secret) => text.includes(secret));
  if (leaked.length || /"SessionToken"|"SecretAccessKey"|secretAccessKey|Bearer [\w-]/i.test(text)) {
    throw new Error(`${name}: the history holds a credential (${leaked.length} sandbox secrets); not written`);
  }
}

function withTimeout<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rejectTimeout) => {
    timer = setTimeout(
      () => rejectTimeout(new Error(`${what}: no end within ${SCENARIO_TIMEOUT_MS} ms`)),
      SCENARIO_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function readme(): string {
  return [
    '# Recorded workflow histories',
    '',
    'Histories of finished playbook runs in the JSON form Temporal exports. `test/replay.test.ts` replays every',
    '`*.json` here against the current `workflows/` code with `Worker.runReplayHistories` (no server needed), so a',
    'change that would break runs already in flight (a non-deterministic change) fails `npm test` and names the file.',
    '',
    '| File | Scenario |',
    '| --- | --- |',
    ...SCENARIOS.map((s) => `| \`${s.name}.json\` | ${s.what} |`),
    '',
    'Files named `*.v1.json` are the same scenarios recorded before the principal ledger, update-with-start intake and',
    're-planning merged alerts (guarded by `patched()`): they prove that incidents started by that code still replay.',
    'Files named `*.v2.json` were recorded before the payload codec, hashed principal tags (`principal-tags`), verified',
    'identities (`verified-identities`) and verification waiting for propagation (`verify-waits-for-propagation`): their',
    'payloads are plain. `mixed-cloud-approved.json`, `shared-control-released.json` and `decide-update.json` are recorded',
    'with all of those, encrypted, and hold no principal name.',
    'Files named `*.v3.json` were recorded before a step acted and verified in one activity (`one-activity-per-step`),',
    "before a step ended ahead of its ledger record (`ledger-told-after-step`) and before a principal's ledger stopped",
    'signalling the holder its answer already told (`hold-answer-tells-holder`). `sweep-watch.json` is recorded with the',
    'persistence sweep and the watch (`sweep`); the others before it, with the sweep off as the test policy has it.',
    '',
    'They were recorded against the sandbox clouds (`test/harness.ts`) with the test policy and short timings; the',
    'recording refuses to write a history that holds any sandbox credential. Payloads are encrypted with the key in',
    '`payload-keys` (sandbox data only: no secret), which the replay test decodes with; histories recorded before the',
    'payload codec hold plain payloads, which it passes through.',
    '',
    '## Re-recording',
    '',
    'Only on purpose, after an intended workflow change that is versioned: the change is guarded with `patched()`',
    '(or `deprecatePatch()`) and these histories already replay with it. Never re-record to make a failing replay pass:',
    'the failure is what a running playbook would meet.',
    '',
    '```sh',
    'npm run record-histories                      # every scenario (about 15 s once the Temporal CLI is cached)',
    'npm run record-histories -- merged-alert      # one or more by name',
    '```',
    '',
    "A recording replaces its scenario's file. To keep proving that runs started by the previous code still replay,",
    'rename the old file first (e.g. `merged-alert.v1.json`): every file here is replayed. Delete it once no run that',
    'old can still be open (approval timeouts plus the release window). The script starts its own dev server and',
    'simulators like the end-to-end tests, and the sandbox CA they need.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const chosen = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // Recorded encrypted, as production histories are, with the key the replay test holds.
  process.env.REVOKER_PAYLOAD_KEYS = '';
  process.env.REVOKER_PAYLOAD_KEYS_FILE = HISTORY_PAYLOAD_KEYS_FILE;
  if (!loadPayloadKeys()) throw new Error(`no payload key in ${HISTORY_PAYLOAD_KEYS_FILE}`);
  const h = await harness();
  try {
    const secrets = sandboxSecrets(h);
    for (const scenario of chosen) {
      // The principals' ledgers outlive their incidents; each scenario starts from clean clouds, so from none.
      for await (const ledger of h.client.workflow.list({
        query: `WorkflowType = 'principal' AND ExecutionStatus = 'Running'`,
      })) {
        await h.client.workflow.getHandle(ledger.workflowId).terminate('next scenario');
      }
      h.aws.reset(h.seed);
      h.entra.reset(h.entraSeed);
      h.gcp.reset(h.gcpSeed);
      const began = Date.now();
      const { handle, expected } = await withTimeout(scenario.name, scenario.run(h));
      const report = (await withTimeout(scenario.name, handle.result())) as Report;
      if (report.state !== expected) throw new Error(`${scenario.name}: ended ${report.state}, expected ${expected}`);
      const history = await handle.fetchHistory();
      const json = historyToJSON(history) + '\n';
      assertNoSecrets(scenario.name, await readable(json, history, h.payloads.keys), secrets);
      writeFileSync(join(HISTORIES_DIR, `${scenario.name}.json`), json);
      const events = (JSON.parse(json) as { events: unknown[] }).events.length;
      const kb = (Buffer.byteLength(json) / 1024).toFixed(0);
      console.log(`${scenario.name}: ${report.state}, ${events} events, ${kb} KB (${Date.now() - began} ms)`);
    }
    writeFileSync(join(HISTORIES_DIR, 'README.md'), readme());
  } finally {
    await h.close();
  }
}

/**
 * The Entra simulator's sandbox CA must be trusted from process start (NODE_EXTRA_CA_CERTS), as in
 * `npm test`: without it, create the CA and run this script again in a child that names it.
 */
async function withSandboxCa(): Promise<boolean> {
  const trust = trustFile(await ensureSandboxCa(defaultSandboxCaDir()), process.env.NODE_EXTRA_CA_CERTS);
  if (process.env.NODE_EXTRA_CA_CERTS === trust) return false;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trust },
  });
  process.exitCode = child.status ?? 1;
  return true;
}

withSandboxCa()
  .then((done) => (done ? undefined : main()))
  .catch((error: unknown) => {
    console.error(`record-histories: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
