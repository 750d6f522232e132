// `npm run bench`: Revoker side by side with bare Temporal, in one process, on the embedded dev server and the
// sandbox clouds. The floor is a bare workflow of the playbook's shape (three parallel chains of read → act → verify
// no-op activities) on its own task queue and worker, behind a bare HTTP intake; Revoker is the real webhook, the
// real playbook and the real workers. It prints a table and writes bench/results.json and bench/chart.svg.
// Sizes: REVOKER_BENCH_LATENCY (200 alerts), REVOKER_BENCH_BURSTS (50,100,200), REVOKER_BENCH_STORM (10000),
// REVOKER_BENCH_WAITING (1000), REVOKER_BENCH_COST (5 per path).
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import stringWidth from 'string-width';
import { createWebhookApp } from '../client/webhook/app.js';
import { START_DEADLINE_MS, startWithinDeadline } from '../client/webhook/main.js';
import { startWebhookServer, type WebhookServer } from '../client/webhook/server.js';
import { FAILURE_CONVERTER_PATH, revokerDataConverter } from '../connect/payload-codec.js';
import { decideUpdate, statusQuery } from '../domain/messages.js';
import type { Policy } from '../domain/policy.js';
import { loadSeeds } from '../testing/inputs.js';
import { startStack, type Stack } from '../testing/stack.js';
import { renderChart } from './chart.js';
import { floorActivities } from './floor-activities.js';
import {
  costOf,
  cpuMsOf,
  devServerPid,
  historyOf,
  percentiles,
  rssOf,
  settledRss,
  sharesOf,
  type Cost,
  type Percentiles,
  type Sample,
  type Shares,
} from './measure.js';
import { alertAbout, APPROVAL_POLICY, AUTO_POLICY, benchIdentities, identityPool } from './workload.js';

const env = process.env;
const LATENCY = Number(env.REVOKER_BENCH_LATENCY ?? 200);
const WARMUP = Math.min(20, Math.max(2, Math.round(LATENCY / 10)));
const BURSTS = (env.REVOKER_BENCH_BURSTS ?? '50,100,200').split(',').map(Number);
const STORM = Number(env.REVOKER_BENCH_STORM ?? 10_000);
const STORM_SENDERS = 200;
const WAITING = Number(env.REVOKER_BENCH_WAITING ?? 1_000);
const COST = Number(env.REVOKER_BENCH_COST ?? 5);
const FLOOR_QUEUE = 'bench-floor';
const CHAINS = 3;
const TOKEN = randomBytes(18).toString('base64url');
const OUT = fileURLToPath(new URL('./', import.meta.url));

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Runs `count` tasks at most `width` at a time, telling progress every so often. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>, label?: string): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
        done += 1;
        if (label && (done % Math.max(1, Math.round(count / 10)) === 0 || done === count)) {
          progress(`${label}: ${done}/${count}`);
        }
      }
    }),
  );
  return results;
}

interface Intake {
  url: string;
  close(): Promise<void>;
}

/** POSTs until the intake answers 202 (a 503 or 429 is retried after its Retry-After, as a SIEM does). */
async function post(url: string, body: unknown): Promise<{ workflowId: string; runId: string; retried: number }> {
  let retried = 0;
  for (;;) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status === 202) {
      const { workflowId, runId } = (await res.json()) as { workflowId: string; runId: string };
      return { workflowId, runId, retried };
    }
    if (res.status !== 503 && res.status !== 429) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    retried += 1;
    if (retried > 50) throw new Error(`still ${res.status} after 50 retries: ${await res.text()}`);
    await res.body?.cancel();
    await sleep(Math.min(2_000, 1_000 * Number(res.headers.get('retry-after') ?? 1)));
  }
}

/** Revoker's real intake: the webhook app with the batching, deadline-bound start path of client/webhook/main.ts. */
async function revokerIntake(stack: Stack, policy: Policy): Promise<Intake> {
  const app = createWebhookApp({
    auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
    startPlaybook: startWithinDeadline(stack.client, { policy, uiBaseUrl: stack.uiUrl }),
  });
  const server: WebhookServer = await startWebhookServer({ port: 0, host: '127.0.0.1', app });
  return { url: `${server.url}/alerts`, close: () => server.close() };
}

/** The floor's intake: a bare HTTP handler that starts (or, in a storm, signals-with-start) the bare workflow. */
async function floorIntake(client: Client): Promise<Intake> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; wait?: boolean; storm?: boolean };
      if (body.storm) {
        // The storm's floor is the transport: the same POSTs answered at once. (A bare workflow signalled 10,000
        // times, one Signal per alert, is no floor: its workflow tasks outgrow the 5 s limit and it never settles.)
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ workflowId: '', runId: '' }));
        return;
      }
      const started = client.workflow
        .start('floorPlaybook', {
          taskQueue: FLOOR_QUEUE,
          workflowId: `floor/${body.id}`,
          args: [{ chains: CHAINS, wait: Boolean(body.wait) }],
        })
        .then((handle) => ({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId }));
      started.then(
        (run) => {
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify(run));
        },
        (error: unknown) => {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ error: String(error) }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/start`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One alert from the POST to its report (or the floor's result). */
async function oneRun(client: Client, url: string, body: unknown): Promise<Sample> {
  const postAt = Date.now();
  const { workflowId, runId, retried } = await post(url, body);
  const acceptedAt = Date.now();
  await client.workflow.getHandle(workflowId, runId).result();
  return { workflowId, runId, postAt, acceptedAt, doneAt: Date.now(), retried };
}

const latencyOf = (samples: Sample[]) => percentiles(samples.map((s) => s.doneAt - s.postAt));

function meanShares(all: Shares[]): Shares {
  const mean = (pick: (s: Shares) => number) => all.reduce((sum, s) => sum + pick(s), 0) / Math.max(1, all.length);
  return {
    totalMs: mean((s) => s.totalMs),
    intakeMs: mean((s) => s.intakeMs),
    activitiesMs: mean((s) => s.activitiesMs),
    temporalMs: mean((s) => s.temporalMs),
  };
}

async function sharesFor(client: Client, samples: Sample[]): Promise<Shares> {
  const shares = await pool(samples.length, 8, async (i) => {
    const sample = samples[i] as Sample;
    return sharesOf(sample, await historyOf(client, sample));
  });
  return meanShares(shares);
}

async function costFor(client: Client, samples: Sample[]): Promise<Cost> {
  const costs = await pool(samples.length, 4, async (i) => {
    const sample = samples[i] as Sample;
    const cost = costOf(await historyOf(client, sample));
    const described = await client.workflow.getHandle(sample.workflowId, sample.runId).describe();
    return { ...cost, historyBytes: described.historySize ?? 0 };
  });
  const mean = (pick: (c: Cost) => number) => Math.round(costs.reduce((s, c) => s + pick(c), 0) / costs.length);
  return {
    events: mean((c) => c.events),
    workflowTasks: mean((c) => c.workflowTasks),
    actions: mean((c) => c.actions),
    activities: mean((c) => c.activities),
    historyBytes: mean((c) => c.historyBytes),
  };
}

/**
 * Events the principals' ledgers (workflow type `principal`) started since `since` hold, per run: described one by
 * one, since a running workflow's visibility record does not keep its history length current.
 */
async function ledgerEventsSince(client: Client, since: Date, runs: number): Promise<number> {
  const ids: string[] = [];
  const query = `WorkflowType = 'principal' AND StartTime >= '${since.toISOString()}'`;
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  const lengths = await pool(
    ids.length,
    8,
    async (i) => (await client.workflow.getHandle(ids[i] as string).describe()).historyLength,
  );
  return Math.round(lengths.reduce((a, b) => a + b, 0) / Math.max(1, runs));
}

async function terminateAll(client: Client, ids: string[]): Promise<void> {
  await pool(ids.length, 20, (i) =>
    client.workflow
      .getHandle(ids[i] as string)
      .terminate('bench done')
      .then(
        () => undefined,
        () => undefined,
      ),
  );
}

async function main(): Promise<void> {
  // The SDK's own logs (workers starting and stopping) would bury the progress lines.
  Runtime.install({ logger: new DefaultLogger((env.TEMPORAL_LOG_LEVEL ?? 'WARN') as 'WARN') });
  const startedAt = new Date();
  const needed = WARMUP + LATENCY + BURSTS.reduce((a, b) => a + b, 0) + 1 + WAITING + 2 * COST;
  progress(`seeding ${needed} three-cloud identities and starting the stack`);
  const base = loadSeeds();
  const { seeds, incidents } = benchIdentities(base, needed);
  const take = identityPool(incidents);
  // REVOKER_WORKFLOW_THREADS as the worker reads it (worker/main.ts).
  const threads = Number(env.REVOKER_WORKFLOW_THREADS ?? 0);
  const cache = Number(env.REVOKER_WORKFLOW_CACHE ?? 0);
  const stack = await startStack(seeds, {
    ...(threads ? { workflowThreads: threads } : {}),
    ...(cache ? { workflowCache: cache } : {}),
  });
  const { client } = stack;
  const dataConverter = revokerDataConverter(stack.payloads.keys);
  const floorWorker = await Worker.create({
    connection: stack.env.nativeConnection,
    namespace: stack.env.namespace ?? 'default',
    taskQueue: FLOOR_QUEUE,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./floor-workflow.ts', import.meta.url)),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    }),
    activities: floorActivities,
    dataConverter,
    ...(threads ? { workflowThreadPoolSize: threads } : {}),
  });
  const floorRunning = floorWorker.run();
  const floor = await floorIntake(client);
  const auto = await revokerIntake(stack, AUTO_POLICY);
  const approval = await revokerIntake(stack, APPROVAL_POLICY);
  const toTerminate: string[] = [];
  let floorIds = 0;
  const floorBody = (extra: object = {}) => ({ id: `${startedAt.getTime()}-${(floorIds += 1)}`, ...extra });
  try {
    // Warm both paths: bundles loaded, connections open, the simulators' first requests served.
    progress(`warming up (${WARMUP} alerts each)`);
    for (const principals of take(WARMUP)) {
      await oneRun(client, floor.url, floorBody());
      await oneRun(client, auto.url, alertAbout(principals));
    }

    // 1. Waiting memory, first, while the process holds little else: playbooks held at their approval gate (Revoker
    // first, then the floor's bare waits), each measured from its own baseline after a full collection.
    const devPid = devServerPid();
    const memory = async (
      label: string,
      startOne: (i: number) => Promise<string>,
      waiting: (id: string) => Promise<boolean>,
    ) => {
      await sleep(2_000);
      const before = settledRss();
      const serverBefore = devPid ? rssOf(devPid) : 0;
      const ids = await pool(WAITING, 50, startOne, `${label}: started`);
      await pool(ids.length, 20, async (i) => waitFor(() => waiting(ids[i] as string)));
      await sleep(2_000);
      const after = settledRss();
      const serverAfter = devPid ? rssOf(devPid) : 0;
      toTerminate.push(...ids);
      await terminateAll(client, ids);
      return {
        workerRssMb: after.rss / 2 ** 20,
        workerKiBEach: (after.rss - before.rss) / 1024 / WAITING,
        heapKiBEach: (after.heap - before.heap) / 1024 / WAITING,
        devServerRssMb: serverAfter / 2 ** 20,
        devServerKiBEach: (serverAfter - serverBefore) / 1024 / WAITING,
      };
    };
    const waitingPrincipals = take(WAITING);
    const revokerWaiting = await memory(
      'waiting (Revoker)',
      async (i) => (await post(approval.url, alertAbout(waitingPrincipals[i] ?? []))).workflowId,
      async (id) =>
        (await client.workflow.getHandle(id).query(statusQuery)).actions.some((a) => a.status === 'awaiting-approval'),
    );
    const floorWaiting = await memory(
      'waiting (floor)',
      async () => (await post(floor.url, floorBody({ wait: true }))).workflowId,
      async (id) => (await client.workflow.getHandle(id).query<{ waiting: boolean }>('floorState')).waiting,
    );

    // 2. Latency: one alert at a time, the floor and Revoker taking turns.
    const latency = { floor: [] as Sample[], revoker: [] as Sample[] };
    const latencyPrincipals = take(LATENCY);
    for (const [i, principals] of latencyPrincipals.entries()) {
      latency.floor.push(await oneRun(client, floor.url, floorBody()));
      latency.revoker.push(await oneRun(client, auto.url, alertAbout(principals)));
      if ((i + 1) % Math.max(1, Math.round(LATENCY / 10)) === 0) progress(`latency: ${i + 1}/${LATENCY}`);
    }
    const latencyResult = {
      alerts: LATENCY,
      floor: { ...latencyOf(latency.floor), shares: await sharesFor(client, latency.floor) },
      revoker: { ...latencyOf(latency.revoker), shares: await sharesFor(client, latency.revoker) },
    };

    // 3. Throughput: bursts of distinct-principal alerts, all sent at once; the floor's burst of the same size first.
    const bursts: BurstResult[] = [];
    for (const size of BURSTS) {
      const burst = async (run: (i: number) => Promise<Sample>) => {
        const devPid = devServerPid();
        const cpuBefore = { process: process.cpuUsage(), devServer: devPid ? cpuMsOf(devPid) : 0 };
        const began = Date.now();
        const samples = await Promise.all(Array.from({ length: size }, (_, i) => run(i)));
        const ms = Math.max(...samples.map((s) => s.doneAt)) - began;
        const used = process.cpuUsage(cpuBefore.process);
        return {
          perSecond: (size / ms) * 1000,
          p95: latencyOf(samples).p95,
          retried: samples.reduce((n, s) => n + s.retried, 0),
          // Every thread of this process (the main thread's webhook, activities and sandbox clouds, and the
          // workflow thread), and the dev server: what a playbook costs the machine's cores.
          cpuMsEach: {
            process: (used.user + used.system) / 1000 / size,
            devServer: devPid ? (cpuMsOf(devPid) - cpuBefore.devServer) / size : 0,
          },
        };
      };
      const floorBurst = await burst(() => oneRun(client, floor.url, floorBody()));
      const principals = take(size);
      const revokerBurst = await burst((i) => oneRun(client, auto.url, alertAbout(principals[i] ?? [])));
      bursts.push({ size, floor: floorBurst, revoker: revokerBurst });
      progress(
        `burst of ${size}: floor ${floorBurst.perSecond.toFixed(1)}/s, Revoker ${revokerBurst.perSecond.toFixed(1)}/s`,
      );
    }

    // 4. Storm: alerts about one principal, STORM_SENDERS at a time; the floor is the same POSTs answered at once.
    const storm = async (send: (i: number) => Promise<{ workflowId: string; retried: number }>) => {
      const began = Date.now();
      const replies = await pool(STORM, STORM_SENDERS, send);
      const ms = Date.now() - began;
      const ids = [...new Set(replies.map((r) => r.workflowId))].filter(Boolean);
      const described = await Promise.all(ids.map((id) => client.workflow.getHandle(id).describe()));
      toTerminate.push(...ids);
      return {
        playbooks: ids.length,
        absorbMs: ms,
        httpErrors: replies.reduce((n, r) => n + r.retried, 0),
        historyEvents: described.reduce((n, d) => n + d.historyLength, 0),
        historyBytes: described.reduce((n, d) => n + (d.historySize ?? 0), 0),
      };
    };
    progress(`storm: ${STORM} alerts about one principal`);
    const floorStorm = await storm(() => post(floor.url, floorBody({ storm: true })));
    const [stormPrincipal] = take(1).map((p) => p.slice(0, 1));
    const revokerStorm = await storm(() => post(approval.url, alertAbout(stormPrincipal ?? [], 'medium')));
    progress(`storm: floor ${floorStorm.absorbMs} ms, Revoker ${revokerStorm.absorbMs} ms`);

    // 5. Cost: standard playbooks, the automatic path and the approval path (every step approved at once).
    progress(`cost: ${COST} playbooks per path`);
    const costSince = new Date();
    const autoRuns: Sample[] = [];
    for (const principals of take(COST)) autoRuns.push(await oneRun(client, auto.url, alertAbout(principals)));
    const approvalRuns: Sample[] = [];
    for (const principals of take(COST)) {
      const postAt = Date.now();
      const { workflowId, runId, retried } = await post(approval.url, alertAbout(principals));
      const acceptedAt = Date.now();
      const handle = client.workflow.getHandle(workflowId, runId);
      await waitFor(async () =>
        (await handle.query(statusQuery)).actions.some((a) => a.status === 'awaiting-approval'),
      );
      await handle.executeUpdate(decideUpdate, {
        args: [{ verdict: 'approve', approver: 'sam@example.com', actions: 'all' }],
      });
      await handle.result();
      approvalRuns.push({ workflowId, runId, postAt, acceptedAt, doneAt: Date.now(), retried });
    }
    const floorRuns: Sample[] = [];
    for (let i = 0; i < COST; i++) floorRuns.push(await oneRun(client, floor.url, floorBody()));
    const cost = {
      floor: await costFor(client, floorRuns),
      auto: await costFor(client, autoRuns),
      approval: await costFor(client, approvalRuns),
      ledgerEventsPerPlaybook: await ledgerEventsSince(client, costSince, 2 * COST),
    };

    const results: BenchResults = {
      ranAt: startedAt.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        temporal: 'Temporal CLI v1.5.1 dev server (SQLite), in this process tree',
        workflowThreads: threads || 1,
        workflowCache: cache || 'the SDK default (as many as the heap allows)',
      },
      intakeDeadlineMs: START_DEADLINE_MS,
      latency: latencyResult,
      bursts,
      storm: { alerts: STORM, senders: STORM_SENDERS, floor: floorStorm, revoker: revokerStorm },
      waiting: { playbooks: WAITING, floor: floorWaiting, revoker: revokerWaiting },
      cost,
      targets: [],
    };
    results.targets = targetsOf(results);
    writeFileSync(`${OUT}results.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(`${OUT}chart.svg`, renderChart(results));
    process.stdout.write(`${table(results)}\n\nWrote bench/results.json and bench/chart.svg.\n`);
  } finally {
    await terminateAll(client, toTerminate).catch(() => undefined);
    await Promise.all([floor.close(), auto.close(), approval.close()]).catch(() => undefined);
    floorWorker.shutdown();
    await floorRunning.catch(() => undefined);
    await stack.close();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await sleep(200);
  }
  throw new Error(`not within ${timeoutMs} ms (${String(last)})`);
}

interface BurstSide {
  perSecond: number;
  p95: number;
  retried: number;
  /** CPU per playbook: this process (all its threads) and the dev server, in ms. */
  cpuMsEach: { process: number; devServer: number };
}

export interface BurstResult {
  size: number;
  floor: BurstSide;
  revoker: BurstSide;
}

interface StormResult {
  playbooks: number;
  absorbMs: number;
  httpErrors: number;
  historyEvents: number;
  historyBytes: number;
}

interface WaitingResult {
  workerRssMb: number;
  workerKiBEach: number;
  heapKiBEach: number;
  devServerRssMb: number;
  devServerKiBEach: number;
}

export interface BenchResults {
  ranAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    temporal: string;
    workflowThreads: number;
    workflowCache: number | string;
  };
  intakeDeadlineMs: number;
  latency: { alerts: number; floor: Percentiles & { shares: Shares }; revoker: Percentiles & { shares: Shares } };
  bursts: BurstResult[];
  storm: { alerts: number; senders: number; floor: StormResult; revoker: StormResult };
  waiting: { playbooks: number; floor: WaitingResult; revoker: WaitingResult };
  cost: { floor: Cost; auto: Cost; approval: Cost; ledgerEventsPerPlaybook: number };
  targets: { target: string; goal: string; measured: string; met: boolean }[];
}

function targetsOf(r: BenchResults): BenchResults['targets'] {
  const ratio = r.latency.revoker.p95 / r.latency.floor.p95;
  const worstShare = Math.min(...r.bursts.map((b) => b.revoker.perSecond / b.floor.perSecond));
  return [
    { target: 'latency p95', goal: '≤ 1.2 × floor', measured: `${ratio.toFixed(2)} ×`, met: ratio <= 1.2 },
    {
      target: 'burst throughput',
      goal: '≥ 80 % of floor',
      measured: `${(worstShare * 100).toFixed(0)} % (worst burst)`,
      met: worstShare >= 0.8,
    },
    {
      target: `storm of ${r.storm.alerts}`,
      goal: '1 playbook in < 10 s',
      measured: `${r.storm.revoker.playbooks} in ${(r.storm.revoker.absorbMs / 1000).toFixed(1)} s`,
      met: r.storm.revoker.playbooks === 1 && r.storm.revoker.absorbMs < 10_000,
    },
    {
      target: `process RSS, ${r.waiting.playbooks} waiting`,
      goal: '< 300 MB',
      measured: `${r.waiting.revoker.workerRssMb.toFixed(0)} MB`,
      met: r.waiting.revoker.workerRssMb < 300,
    },
    {
      target: 'history events, auto playbook',
      goal: '≤ 45',
      measured: String(r.cost.auto.events),
      met: r.cost.auto.events <= 45,
    },
  ];
}

function table(r: BenchResults): string {
  const ms = (n: number) => `${Math.round(n)} ms`;
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)} ×` : '–');
  const cpu = (c: { process: number; devServer: number }) => `${Math.round(c.process)} + ${Math.round(c.devServer)} ms`;
  const { floor, revoker } = r.latency;
  const share = (s: Shares, part: number) => `${Math.round(part)} ms (${Math.round((100 * part) / s.totalMs)} %)`;
  const rows: string[][] = [
    ['measure', 'floor', 'Revoker', 'Revoker / floor'],
    [`latency p50 (${r.latency.alerts} alerts)`, ms(floor.p50), ms(revoker.p50), x(revoker.p50, floor.p50)],
    ['latency p95', ms(floor.p95), ms(revoker.p95), x(revoker.p95, floor.p95)],
    ['latency p99', ms(floor.p99), ms(revoker.p99), x(revoker.p99, floor.p99)],
    [
      '  intake (POST to start)',
      share(floor.shares, floor.shares.intakeMs),
      share(revoker.shares, revoker.shares.intakeMs),
      '',
    ],
    [
      '  activities',
      share(floor.shares, floor.shares.activitiesMs),
      share(revoker.shares, revoker.shares.activitiesMs),
      '',
    ],
    [
      '  Temporal (dispatch, tasks)',
      share(floor.shares, floor.shares.temporalMs),
      share(revoker.shares, revoker.shares.temporalMs),
      '',
    ],
    ...r.bursts.flatMap((b) => [
      [
        `burst of ${b.size}: playbooks/s`,
        b.floor.perSecond.toFixed(1),
        b.revoker.perSecond.toFixed(1),
        x(b.revoker.perSecond, b.floor.perSecond),
      ],
      [
        `burst of ${b.size}: p95, retried 503/429`,
        `${ms(b.floor.p95)}, ${b.floor.retried}`,
        `${ms(b.revoker.p95)}, ${b.revoker.retried}`,
        x(b.revoker.p95, b.floor.p95),
      ],
      [
        `burst of ${b.size}: CPU each, process + server`,
        cpu(b.floor.cpuMsEach),
        cpu(b.revoker.cpuMsEach),
        x(
          b.revoker.cpuMsEach.process + b.revoker.cpuMsEach.devServer,
          b.floor.cpuMsEach.process + b.floor.cpuMsEach.devServer,
        ),
      ],
    ]),
    [
      `storm of ${r.storm.alerts}: playbooks, absorb time`,
      `HTTP only, ${(r.storm.floor.absorbMs / 1000).toFixed(1)} s`,
      `${r.storm.revoker.playbooks}, ${(r.storm.revoker.absorbMs / 1000).toFixed(1)} s`,
      x(r.storm.revoker.absorbMs, r.storm.floor.absorbMs),
    ],
    [
      'storm: retried 503/429, history',
      `${r.storm.floor.httpErrors}, –`,
      `${r.storm.revoker.httpErrors}, ${r.storm.revoker.historyEvents} events`,
      '',
    ],
    [
      `${r.waiting.playbooks} waiting: process RSS (each)`,
      `${r.waiting.floor.workerRssMb.toFixed(0)} MB (${r.waiting.floor.workerKiBEach.toFixed(0)} KiB)`,
      `${r.waiting.revoker.workerRssMb.toFixed(0)} MB (${r.waiting.revoker.workerKiBEach.toFixed(0)} KiB)`,
      x(r.waiting.revoker.workerKiBEach, r.waiting.floor.workerKiBEach),
    ],
    [
      `${r.waiting.playbooks} waiting: JS heap, each`,
      `${r.waiting.floor.heapKiBEach.toFixed(0)} KiB`,
      `${r.waiting.revoker.heapKiBEach.toFixed(0)} KiB`,
      x(r.waiting.revoker.heapKiBEach, r.waiting.floor.heapKiBEach),
    ],
    [
      `${r.waiting.playbooks} waiting: dev server RSS (each)`,
      `${r.waiting.floor.devServerRssMb.toFixed(0)} MB (${r.waiting.floor.devServerKiBEach.toFixed(0)} KiB)`,
      `${r.waiting.revoker.devServerRssMb.toFixed(0)} MB (${r.waiting.revoker.devServerKiBEach.toFixed(0)} KiB)`,
      x(r.waiting.revoker.devServerKiBEach, r.waiting.floor.devServerKiBEach),
    ],
    [
      'auto path: events, tasks, actions',
      `${r.cost.floor.events}, ${r.cost.floor.workflowTasks}, ${r.cost.floor.actions}`,
      `${r.cost.auto.events}, ${r.cost.auto.workflowTasks}, ${r.cost.auto.actions}`,
      x(r.cost.auto.events, r.cost.floor.events),
    ],
    [
      'approval path: events, tasks, actions',
      '–',
      `${r.cost.approval.events}, ${r.cost.approval.workflowTasks}, ${r.cost.approval.actions}`,
      '',
    ],
    ['principal ledgers: events per playbook', '–', String(r.cost.ledgerEventsPerPlaybook), ''],
  ];
  const targets = [
    ['target', 'goal', 'measured', 'met'],
    ...r.targets.map((t) => [t.target, t.goal, t.measured, t.met ? 'yes' : 'no']),
  ];
  return [
    `Revoker vs bare Temporal, ${r.ranAt.slice(0, 10)}: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ` +
      `Node ${r.machine.node}, ${r.machine.workflowThreads} workflow thread(s), workflow cache ${r.machine.workflowCache}`,
    '',
    markdownTable(rows),
    '',
    markdownTable(targets),
  ].join('\n');
}

/** A Markdown table padded by display width (string-width), so it reads in a terminal too. */
export function markdownTable([header, ...body]: string[][]): string {
  const head = header ?? [];
  const widths = head.map((h, i) => Math.max(stringWidth(h), ...body.map((row) => stringWidth(row[i] ?? ''))));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - stringWidth(cell))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`npm run bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
