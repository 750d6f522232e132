// `npm run test:reliability`: Revoker's release on a real Temporal cluster, not the dev server. PostgreSQL from Debian
// with the schema set up by temporal-sql-tool, the server built from go.temporal.io/server (test/cluster/cluster.ts),
// TLS on its frontend and the JWT authorizer checking every call's API key; two namespaces made by the Temporal CLI,
// no `default` one. Every process reaches it through a config.toml profile (Temporal's environment configuration) and
// nothing else. The built `revoker setup` registers the search attributes, idempotently, and refuses the namespace
// whose retention is shorter than the policy's audit needs until the command it prints is run. Then two built worker
// processes per queue (two for the playbooks, two for the clouds and notifications), a burst of playbooks with cloud
// calls held in flight, and kill -9 of one worker of each pair mid-burst: every playbook must complete Contained, none
// lost, none started twice, every cloud change made exactly once.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { startPlaybook } from '../../client/start-playbook.js';
import type { SetupReport } from '../../client/cli/setup.js';
import { generatePayloadKeyEntry } from '../../connect/payload-codec.js';
import { connectClient } from '../../connect/temporal-connection.js';
import { ACTION_KINDS, type ActionKind } from '../../domain/action.js';
import type { Policy } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import type { Report } from '../../domain/report.js';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes.js';
import { startAwsSimulator } from '../../simulators/aws/index.js';
import {
  defaultSandboxCaDir,
  ENTRA_SANDBOX,
  ensureSandboxCa,
  startEntraSimulator,
} from '../../simulators/entra/index.js';
import { GCP_SANDBOX, startGcpSimulator } from '../../simulators/gcp/index.js';
import { loadSeeds } from '../../testing/inputs.js';
import { startNotificationReceiver } from '../../testing/notification-receiver.js';
import { responderCredentials, responderEnvironment, setEnvironment } from '../../testing/responders.js';
import { TEST_POLICY, TEST_SETTINGS } from '../../testing/settings.js';
import { startCluster } from '../cluster/cluster.js';
import { alertAbout, awsUser } from '../e2e/helpers.js';
import { recordFigure } from './figures.js';
import { buildRelease, PLAIN_NODE, ROOT, untilReady } from './release.js';

const OUT = join('test-results', 'cluster-build');
const PROD = 'revoker-prod';
const STAGING = 'revoker-staging';
/** Playbooks in the burst, each about an IAM user of its own; one more is about three clouds. */
const BURST = Number(process.env.REVOKER_CLUSTER_BURST ?? 24);
const pad = (i: number) => String(i).padStart(3, '0');

// The worker processes decrypt what this process's client encrypted: both take the keys from the environment.
process.env.REVOKER_PAYLOAD_KEYS ??= generatePayloadKeyEntry('cluster');
const closers: (() => unknown)[] = [];
const workers: ChildProcess[] = [];
after(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  for (const close of closers.splice(0).reverse()) await close();
  rmSync(join(ROOT, OUT), { recursive: true, force: true });
});

// Every playbook runs its reversible containment at once and closes: nothing waits for a human.
const BURST_POLICY: Policy = {
  ...TEST_POLICY,
  actions: Object.fromEntries(
    (Object.keys(ACTION_KINDS) as ActionKind[]).map((kind) => [kind, ACTION_KINDS[kind].destructive ? 'skip' : 'auto']),
  ),
};

it(
  'on a non-dev cluster (PostgreSQL, TLS, JWT API keys): setup, two workers per queue, one of each killed mid-burst, every playbook contained once',
  // The first run on a machine builds the server (3 to 4 minutes where the Temporal CLI was built before).
  { timeout: 30 * 60_000 },
  async () => {
    const buildSeconds = buildRelease(OUT);

    const clusterStarted = Date.now();
    const cluster = await startCluster({
      namespaces: [
        { name: PROD, retentionDays: 30 },
        { name: STAGING, retentionDays: 3 },
      ],
    });
    closers.push(() => cluster.close());
    const clusterSeconds = (Date.now() - clusterStarted) / 1000;
    const nodeEnv = (profile: string, extra: Record<string, string | undefined> = {}) => ({
      ...cluster.envFor(profile),
      ...extra,
      ...PLAIN_NODE,
    });
    const revoker = (profile: string, args: string[], extra: Record<string, string | undefined> = {}) =>
      spawnSync(process.execPath, [join(OUT, 'client', 'cli.js'), ...args], {
        cwd: ROOT,
        env: nodeEnv(profile, extra),
        encoding: 'utf8',
      });

    // Revoker runs in its own namespace: the cluster has no `default` one.
    assert.notEqual(
      cluster.temporal('admin', ['operator', 'namespace', 'describe', '--namespace', 'default']).status,
      0,
    );

    // `revoker setup`, from the build, with the namespace's own API key (its admin role, nothing cluster-wide).
    const first = revoker(PROD, ['setup', '--json']);
    assert.equal(first.status, 0, `revoker setup: ${first.stderr}${first.stdout}`);
    const registered = JSON.parse(first.stdout) as SetupReport;
    assert.equal(registered.namespace, PROD);
    assert.deepEqual(registered.searchAttributes.added.sort(), SEARCH_ATTRIBUTES.map((k) => k.name).sort());
    assert.deepEqual(registered.retention, {
      days: 30,
      requiredDays: 30,
      policy: registered.retention.policy,
      ok: true,
    });
    const again = revoker(PROD, ['setup', '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as SetupReport).searchAttributes.added, [], 'idempotent');

    // The staging namespace keeps closed workflows 3 days: too short for the audit, with the command that fixes it.
    const short = revoker(STAGING, ['setup']);
    assert.equal(short.status, 1, short.stderr);
    assert.match(short.stdout, /retention: 3 days, shorter than the policy's audit\.retentionDays of 30/);
    const fix = /^ {2}(temporal operator namespace update .*)$/m.exec(short.stdout)?.[1];
    assert.ok(fix, short.stdout);
    assert.match(fix, new RegExp(`--address ${cluster.address} --namespace ${STAGING} --retention 30d$`));
    const fixed = cluster.temporal(STAGING, fix.split(' ').slice(1));
    assert.equal(fixed.status, 0, `${fix}: ${fixed.stderr}`);
    const afterFix = revoker(STAGING, ['setup']);
    assert.equal(afterFix.status, 0, afterFix.stdout);
    // One namespace's key is no key to another: the server's authorizer refuses, and setup says what to do.
    const foreign = revoker(PROD, ['setup'], { TEMPORAL_NAMESPACE: STAGING });
    assert.equal(foreign.status, 2);
    assert.match(foreign.stderr, /refused to let revoker .*admin role/);

    // A namespace that is not there: setup says how to make it, with the retention the audit needs.
    const missing = revoker('admin', ['setup'], { TEMPORAL_NAMESPACE: 'revoker-missing' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no namespace revoker-missing.*--namespace revoker-missing --retention 30d/);

    // The clouds, as the stack serves them, with one IAM user per playbook of the burst.
    const seeds = loadSeeds();
    for (let i = 0; i < BURST; i++) {
      seeds.aws.users.push({
        userName: `burst-${pad(i)}`,
        accessKeys: [
          {
            accessKeyId: `AKIACLUS${pad(i)}EXAMPLE01`,
            secretAccessKey: `wJalrXUtnFEMI/K7MDENG/bPxRfiCYCLUS${pad(i)}KEY`,
          },
        ],
      });
    }
    const tls = await ensureSandboxCa(defaultSandboxCaDir());
    const aws = await startAwsSimulator({ seed: seeds.aws });
    closers.push(() => aws.close());
    const entra = await startEntraSimulator({
      seed: seeds.entra,
      tls: { certPath: tls.certPath, keyPath: tls.keyPath },
    });
    closers.push(() => entra.close());
    const gcp = await startGcpSimulator({ seed: seeds.gcp });
    closers.push(() => gcp.close());
    const receiver = await startNotificationReceiver();
    closers.push(() => receiver.close());
    const credentials = responderCredentials(seeds);
    const keyDir = mkdtempSync(join(tmpdir(), 'revoker-cluster-gcp-'));
    closers.push(() => rmSync(keyDir, { recursive: true, force: true }));
    const keyFile = join(keyDir, 'responder.json');
    writeFileSync(keyFile, JSON.stringify(credentials.gcp), { mode: 0o600 });

    const startWorker = async (queues: string) => {
      const child = spawn(process.execPath, [join(OUT, 'worker', 'main.js')], {
        cwd: ROOT,
        env: nodeEnv(PROD, {
          ...responderEnvironment(credentials, keyFile),
          REVOKER_QUEUES: queues,
          REVOKER_AWS_ENDPOINT: aws.endpoint,
          REVOKER_ENTRA_AUTHORITY_HOST: entra.authorityHost,
          REVOKER_GRAPH_ENDPOINT: entra.graphEndpoint,
          REVOKER_GCP_IAM_ENDPOINT: gcp.rootUrl,
          REVOKER_NOTIFY_URL: receiver.url,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(child);
      await untilReady(child, `worker (${queues})`);
      return child;
    };
    const pairs = ['playbooks', 'aws,entra,gcp,notify'];
    const started = await Promise.all([...pairs, ...pairs].map((queues) => startWorker(queues)));

    // This process starts the playbooks through the same profile the workers use.
    closers.push(
      setEnvironment({
        ...Object.fromEntries(
          Object.keys(process.env).flatMap((n) => (n.startsWith('TEMPORAL_') ? [[n, undefined]] : [])),
        ),
        TEMPORAL_CONFIG_FILE: cluster.configFile,
        TEMPORAL_PROFILE: PROD,
      }),
    );
    const client: Client = await connectClient();
    closers.push(() => client.connection.close());

    // Each key deactivation is held 2.5 s in the network: at the kill, cloud calls and playbook tasks are in flight.
    const keys = seeds.aws.users
      .filter((u) => u.userName.startsWith('burst-'))
      .map((u) => u.accessKeys[0]?.accessKeyId);
    aws.injectFault({ action: 'UpdateAccessKey', latencyMs: 2_500, times: 1_000 });
    const principals: Principal[][] = [
      ...Array.from({ length: BURST }, (_, i) => [awsUser(`burst-${pad(i)}`)]),
      [
        awsUser('alice'),
        { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
        { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
      ],
    ];
    const burstStarted = Date.now();
    const starts = await Promise.all(
      principals.map((p) =>
        startPlaybook(client, alertAbout(p, 'high'), {
          policy: BURST_POLICY,
          // A killed worker's attempt is retried after 3 s without a heartbeat.
          settings: { ...TEST_SETTINGS, heartbeatTimeout: '3s' },
          uiBaseUrl: 'https://temporal.example.com',
        }),
      ),
    );
    const ids = starts.map((s) => s.workflowId);
    assert.equal(new Set(ids).size, principals.length, 'one playbook per alert');

    const inactive = () => keys.filter((k) => k && aws.accessKey(k)?.status === 'Inactive').length;
    for (const deadline = Date.now() + 120_000; inactive() < 2;) {
      if (Date.now() > deadline) throw new Error(`the burst did not get going: ${inactive()} keys deactivated`);
      await sleep(50);
    }
    const closed = async () => {
      let count = 0;
      for await (const info of client.workflow.list({
        query: `WorkflowType = 'playbook' AND ExecutionStatus != 'Running'`,
      })) {
        if (ids.includes(info.workflowId)) count++;
      }
      return count;
    };
    const doneAtKill = await closed();
    const killed = [started[0], started[1]] as ChildProcess[];
    for (const worker of killed) worker.kill('SIGKILL');
    const killedAt = Date.now();
    await Promise.all(
      killed.map(
        (w) =>
          new Promise((resolve) =>
            (w.exitCode ?? w.signalCode) !== null ? resolve(undefined) : w.once('exit', resolve),
          ),
      ),
    );
    assert.ok(
      doneAtKill < principals.length,
      `work was in flight at the kill (${doneAtKill} of ${principals.length} closed)`,
    );

    const reports = await Promise.all(ids.map((id) => client.workflow.getHandle(id).result() as Promise<Report>));
    const recoverMs = Date.now() - killedAt;
    const burstSeconds = (Date.now() - burstStarted) / 1000;
    const notContained = reports.filter((r) => r.state !== 'Contained');
    assert.deepEqual(
      notContained.map((r) => [
        r.workflowId,
        r.state,
        r.actions.filter((a) => a.status === 'failed').map((a) => a.action.id),
      ]),
      [],
      'every playbook is contained',
    );
    for (const key of keys) assert.equal(key && aws.accessKey(key)?.status, 'Inactive', `${key} is deactivated`);
    assert.equal(entra.user(ENTRA_SANDBOX.compromisedUser.id)?.accountEnabled, false, 'the Entra user is disabled');

    // Exactly once: every cloud change, and every playbook (visibility on PostgreSQL, through the search attributes).
    const counts = new Map<string, number>();
    const tally = (cloud: string, log: { action?: string; operation?: string; target: string; detail?: string }[]) => {
      for (const e of log) {
        const key = `${cloud} ${e.action ?? e.operation ?? '?'} ${e.target} ${e.detail ?? ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    };
    tally('aws', aws.mutations().log);
    tally('entra', entra.mutations().log);
    tally('gcp', gcp.mutations().log);
    const duplicated = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(duplicated, [], 'every cloud change exactly once');
    const updates = aws.mutations().log.filter((e) => e.action === 'UpdateAccessKey').length;
    assert.ok(updates >= BURST, `${updates} key deactivations for ${BURST} burst keys`);
    let listed = 0;
    for await (const info of client.workflow.list({
      query: `WorkflowType = 'playbook' AND RevokerState = 'Contained' AND RevokerProvider = 'aws'`,
    })) {
      if (ids.includes(info.workflowId)) listed++;
    }
    assert.equal(listed, principals.length, 'each playbook is listed once, by the search attributes setup registered');

    // What the kills cost, from the histories: cloud calls a killed worker held, run again by its twin, and workflow
    // tasks the killed playbook worker held (or had cached), timed out and taken over.
    let retriedActivities = 0;
    let timedOutWorkflowTasks = 0;
    for (const id of ids) {
      for (const event of (await client.workflow.getHandle(id).fetchHistory()).events ?? []) {
        if ((event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) retriedActivities++;
        if (event.workflowTaskTimedOutEventAttributes) timedOutWorkflowTasks++;
      }
    }
    assert.ok(retriedActivities > 0, 'the killed cloud worker had calls in flight, and they were retried');

    // The built webhook reaches the cluster through the same profile: ready, and an alert it takes is contained.
    const policyFile = join(keyDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(BURST_POLICY));
    const token = 'cluster-webhook-token';
    const webhook = spawn(process.execPath, [join(OUT, 'client', 'webhook', 'main.js')], {
      cwd: ROOT,
      env: nodeEnv(PROD, { REVOKER_WEBHOOK_PORT: '0', REVOKER_WEBHOOK_TOKEN: token, REVOKER_POLICY_FILE: policyFile }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(webhook);
    const webhookUrl = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the built webhook did not listen in 60 s:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const url = /webhook listening on (https?:\/\/[^\s"]+)/.exec(output)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      };
      webhook.stdout?.on('data', onData);
      webhook.stderr?.on('data', onData);
      webhook.once('exit', (code) => reject(new Error(`the built webhook exited (${code}):\n${output}`)));
    });
    assert.equal((await fetch(`${webhookUrl}/readyz`)).status, 200, 'the webhook reaches Temporal');
    const reply = await fetch(`${webhookUrl}/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(alertAbout([awsUser('ci-deployer')], 'high')),
    });
    assert.equal(reply.status, 202, await reply.clone().text());
    const intake = (await reply.json()) as { workflowId: string; outcome: string };
    assert.equal(intake.outcome, 'started');
    const viaWebhook = (await client.workflow.getHandle(intake.workflowId).result()) as Report;
    assert.equal(viaWebhook.state, 'Contained', viaWebhook.summary);

    // The built CLI reads a report through its profile.
    const status = revoker(PROD, ['status', reports[0]?.handle ?? ids[0] ?? '', '--json']);
    assert.equal(status.status, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as Report).state, 'Contained');

    recordFigure({
      scenario: 'cluster: PostgreSQL + built server, TLS + JWT; 2 workers per queue, kill -9 one of each mid-burst',
      runs: principals.length,
      lost: notContained.length,
      duplicated: duplicated.length,
      fiveXx: 0,
      recoverMs,
      note:
        `${doneAtKill} of ${principals.length} closed at the kill; ${retriedActivities} cloud calls retried, ` +
        `${timedOutWorkflowTasks} workflow tasks timed out; burst ${burstSeconds.toFixed(1)} s; ` +
        `build ${buildSeconds.toFixed(0)} s, cluster up in ${clusterSeconds.toFixed(1)} s` +
        (cluster.builtSeconds ? ` (server built in ${cluster.builtSeconds} s)` : ''),
    });
  },
);
