// `npm run test:reliability`: 100 AWS accounts in the topology (the hub, direct, and 99 members reached by
// AssumeRole), against a baseline measured in the same run with one account. Startup (the whole stack, workers
// included) and memory must not grow with the accounts listed, since no role is assumed until an alert names its
// account; a burst of 100 alerts, one per account, is contained, each member role assumed exactly once; the same
// burst in the hub account alone is the baseline. `revoker doctor` over 100 accounts is timed against one.
// Prints the figures side by side and records a row for the reliability table.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPlaybook } from '../../client/start-playbook.js';
import { loadTopologyFile } from '../../connect/topology-file.js';
import { DoctorReport } from '../../domain/doctor.js';
import type { Principal } from '../../domain/principal.js';
import type { Report } from '../../domain/report.js';
import { organisationSeeds, type AwsSeed } from '../../simulators/aws/index.js';
import { loadSeeds, type Seeds } from '../../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../../testing/settings.js';
import { startStack, type Stack } from '../../testing/stack.js';
import { alertAbout } from '../e2e/helpers.js';
import { recordFigure } from './figures.js';

const ACCOUNTS = Number(process.env.REVOKER_MANY_ACCOUNTS ?? 100);
const HUB = '123456789012';
const SECRET_PREFIX = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY';
const memberId = (i: number) => String(600000000000 + i);
const pad = (i: number) => String(i).padStart(3, '0');

/** The sandbox hub with one more IAM user per account, for the baseline burst in the hub alone. */
function hubSeed(seeds: Seeds): AwsSeed {
  const hub = structuredClone(seeds.aws);
  for (let i = 0; i < ACCOUNTS; i += 1) {
    hub.users.push({
      userName: `hub-user-${pad(i)}`,
      accessKeys: [{ accessKeyId: `AKIAHUBU${pad(i)}EXAMPLE01`, secretAccessKey: `${SECRET_PREFIX}HUBU${pad(i)}KEY` }],
    });
  }
  return hub;
}

/** A member account with the sandbox's responder role (trusting the hub with its ExternalId) and one user. */
function memberSeed(i: number): AwsSeed {
  const role = organisationSeeds()[0]?.roles.find((r) => r.roleName === 'RevokerResponder');
  if (!role) throw new Error('the workloads fixture has no RevokerResponder');
  return {
    accountId: memberId(i),
    users: [
      {
        userName: 'app-user',
        accessKeys: [
          { accessKeyId: `AKIAMEMB${pad(i)}EXAMPLE01`, secretAccessKey: `${SECRET_PREFIX}MEMB${pad(i)}KEY` },
        ],
      },
    ],
    roles: [structuredClone(role)],
  };
}

function topologyFile(dir: string, members: number): string {
  const path = join(dir, `topology-${members + 1}.yaml`);
  const lines = ['version: 1', 'aws:', '  roleName: RevokerResponder', '  externalId: revoker-sandbox', '  accounts:'];
  lines.push(`    - id: '${HUB}'`, '      access: direct');
  for (let i = 0; i < members; i += 1) lines.push(`    - id: '${memberId(i)}'`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

// A heap figure means something only after a full collection: the runner gives no --expose-gc, so ask V8 for it.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
/** The JS heap in use once garbage is collected: what the process holds, not what it has yet to free. */
const liveHeap = () => {
  collect();
  return process.memoryUsage().heapUsed;
};
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Measured {
  startupMs: number;
  heapAfterStartup: number;
  assumedAtStartup: number;
  doctorMs: number;
  doctorTargets: number;
}

const dir = mkdtempSync(join(tmpdir(), 'revoker-many-accounts-'));
let stack: Stack | undefined;
after(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function measure(topology: string, accounts: AwsSeed[], seeds: Seeds): Promise<Measured> {
  const began = Date.now();
  stack = await startStack(seeds, { topology: loadTopologyFile(topology), awsAccounts: accounts });
  const startupMs = Date.now() - began;
  const heapAfterStartup = liveHeap();
  const assumedAtStartup = stack.aws.mutations('all').counts['AssumeRole'] ?? 0;
  const doctorBegan = Date.now();
  const report = DoctorReport.parse(
    await stack.client.workflow.execute('doctor', {
      taskQueue: 'revoker-playbooks',
      workflowId: `doctor-${Date.now()}`,
      args: [{ waitForWorkerSeconds: 30 }],
    }),
  );
  const doctorMs = Date.now() - doctorBegan;
  const aws = report.checks.filter((c) => c.cloud === 'aws');
  assert.ok(
    aws.every((c) => c.reachable && c.missing.length === 0),
    JSON.stringify(aws.filter((c) => !c.reachable || c.missing.length)),
  );
  return { startupMs, heapAfterStartup, assumedAtStartup, doctorMs, doctorTargets: aws.length };
}

async function burst(principals: Principal[]): Promise<{ ms: number; reports: Report[] }> {
  const current = stack;
  if (!current) throw new Error('no stack');
  const began = Date.now();
  const handles = await Promise.all(
    principals.map(async (principal) => {
      const { workflowId } = await startPlaybook(current.client, alertAbout([principal], 'high'), {
        policy: { ...TEST_POLICY, actions: { ...TEST_POLICY.actions, 'aws.deleteAccessKey': 'skip' } },
        settings: TEST_SETTINGS,
        uiBaseUrl: 'http://localhost:8233',
      });
      return current.client.workflow.getHandle(workflowId);
    }),
  );
  const reports = (await Promise.all(handles.map((h) => h.result()))) as Report[];
  return { ms: Date.now() - began, reports };
}

it(`${ACCOUNTS} AWS accounts: startup and memory flat, a burst of one alert per account contained`, async () => {
  const seeds = loadSeeds();
  seeds.aws = hubSeed(seeds);
  const members = Array.from({ length: ACCOUNTS - 1 }, (_, i) => memberSeed(i));

  // A first stack warms the process (module loading, the bundler), so that neither measured start pays for it.
  await (await startStack(seeds, { awsAccounts: members })).close();
  // Baseline: the same simulator organisation, one account in the topology.
  const one = await measure(topologyFile(dir, 0), members, seeds);
  const hubBurst = await burst(
    Array.from({ length: ACCOUNTS }, (_, i) => ({ type: 'aws.user', accountId: HUB, userName: `hub-user-${pad(i)}` })),
  );
  assert.deepEqual(
    hubBurst.reports.filter((r) => r.state !== 'Contained').map((r) => r.actions),
    [],
  );
  await stack?.close();
  stack = undefined;

  const many = await measure(topologyFile(dir, ACCOUNTS - 1), members, seeds);
  const heapBefore = liveHeap();
  const accountBurst = await burst([
    { type: 'aws.user', accountId: HUB, userName: 'hub-user-000' },
    ...members.map((m): Principal => ({ type: 'aws.user', accountId: m.accountId, userName: 'app-user' })),
  ]);
  const heapAfterBurst = liveHeap();
  const contained = accountBurst.reports.filter((r) => r.state === 'Contained').length;
  const current = stack as Stack | undefined;
  assert.ok(current);
  const assumed = current.aws.mutations('all').log.filter((e) => e.action === 'AssumeRole');
  const perAccount = new Map<string, number>();
  for (const entry of assumed) perAccount.set(entry.account, (perAccount.get(entry.account) ?? 0) + 1);

  const rows = [
    ['', '1 account (baseline)', `${ACCOUNTS} accounts`],
    ['stack startup (workers included)', s(one.startupMs), s(many.startupMs)],
    ['JS heap after startup (after GC)', mb(one.heapAfterStartup), mb(many.heapAfterStartup)],
    ['AssumeRole calls at startup', String(one.assumedAtStartup), String(many.assumedAtStartup)],
    [
      `revoker doctor`,
      `${s(one.doctorMs)} (${one.doctorTargets} account)`,
      `${s(many.doctorMs)} (${many.doctorTargets} accounts)`,
    ],
    [
      `burst of ${ACCOUNTS} alerts`,
      `${s(hubBurst.ms)} (all in the hub)`,
      `${s(accountBurst.ms)} (one per account, ${contained} contained)`,
    ],
    ['JS heap held after the burst (after GC)', '', `${mb(heapAfterBurst - heapBefore)} more (99 sessions cached)`],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  process.stdout.write(
    `\n${rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')).join('\n')}\n\n`,
  );

  recordFigure({
    scenario: `${ACCOUNTS} AWS accounts in the topology, one alert each`,
    runs: ACCOUNTS,
    lost: ACCOUNTS - contained,
    duplicated: [...perAccount.values()].filter((n) => n > 1).length,
    fiveXx: 0,
    note:
      `startup ${s(many.startupMs)} vs ${s(one.startupMs)} with 1 account, heap ${mb(many.heapAfterStartup)} vs ` +
      `${mb(one.heapAfterStartup)}, ${many.assumedAtStartup} AssumeRole; ` +
      `burst ${s(accountBurst.ms)} vs ${s(hubBurst.ms)} in one account; doctor ${s(many.doctorMs)} vs ${s(one.doctorMs)}`,
  });

  assert.equal(many.assumedAtStartup, 0, 'no role is assumed before an alert names its account');
  assert.equal(many.doctorTargets, ACCOUNTS);
  assert.equal(contained, ACCOUNTS, 'every account’s incident contained');
  // The doctor assumed each member role once; the burst reused those sessions.
  assert.equal(perAccount.size, ACCOUNTS - 1, 'every member role assumed');
  assert.deepEqual(
    [...perAccount].filter(([, n]) => n > 1),
    [],
    'each member role assumed once, its session reused by every step',
  );
});
