// `npm run test:reliability`: operations, on real processes. A `node worker/main.ts` (playbooks, aws and notify
// queues) and a `node client/webhook/main.ts`, each as a deployment starts them, with OTEL_EXPORTER_OTLP_ENDPOINT
// pointing at an OTLP/HTTP receiver in this process, the worker's Prometheus endpoint and probes on. One alert goes
// through the webhook; one IAM call fails once. Checked: one trace links the webhook's request span, the client's
// UpdateWithStart, RunWorkflow and the activities; the worker's metrics hold the SDK's and Revoker's own (approvals
// waiting from visibility, the provider error, time to contain) and the webhook's its alert count; /healthz and
// /readyz answer, and /readyz turns 503 once Temporal is gone; every log line of both processes is JSON, and none
// holds a secret of the sandbox.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseSignal, statusQuery } from '../../domain/messages.js';
import { APPROVALS_WAITING, PROVIDER_ERRORS, TIME_TO_CONTAIN } from '../../domain/metrics.js';
import type { PlaybookStatus, Report } from '../../domain/report.js';
import { loadSeeds } from '../../testing/inputs.js';
import { freePort, startStack } from '../../testing/stack.js';
import { alertAbout, approve, awsUser } from '../e2e/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** An OTLP/HTTP traces receiver: the exporter posts JSON (exporter-trace-otlp-http), each span kept as sent. */
interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}
const received: ReceivedSpan[] = [];
const contentTypes = new Set<string>();
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    contentTypes.add(request.headers['content-type'] ?? '');
    if (request.url === '/v1/traces' && request.headers['content-type'] === 'application/json') {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[];
        }[];
      };
      for (const { resource, scopeSpans } of body.resourceSpans) {
        const service = resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const { spans } of scopeSpans) for (const span of spans) received.push({ ...span, service });
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const otlpEndpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

// No workers in this process: the worker process polls every queue this alert needs.
const stack = await startStack(loadSeeds(), { queues: [] });
const processes: { name: string; child: ChildProcess; lines: string[] }[] = [];

after(async () => {
  for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  receiver.close();
  // The dev server was stopped on purpose by the last check: its second teardown may complain.
  await stack.close().catch(() => undefined);
});

/** Starts a Revoker process as a deployment does; resolves when `ready` shows in its output. */
async function startProcess(name: string, script: string, env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  processes.push({ name, child, lines });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in 120 s:\n${lines.join('\n')}`)), 120_000);
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete.filter((l) => l.trim())) {
        lines.push(line);
        if (ready.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}`));
    });
  });
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch((error: unknown) => error as T);
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(value, undefined, 1).slice(0, 3000)})`);
    }
    await sleep(250);
  }
}

const text = (url: string, init?: RequestInit) => fetch(url, init).then((r) => r.text());
const status = (url: string) => fetch(url).then((r) => r.status);
/** A sample's value in Prometheus text: `name{labels} value`, labels matched as given (in order). */
function sample(metrics: string, name: string, labels: string[] = []): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const [series, value] = line.split(/ (?=[^ ]+$)/);
    if (series === undefined || value === undefined) continue;
    const bare = series === name || series.startsWith(`${name}{`);
    if (bare && labels.every((label) => series.includes(label))) return Number(value);
  }
  return undefined;
}

it(
  'one trace from the webhook to the activities, the metrics and probes of both processes, JSON logs without secrets',
  { timeout: 8 * 60_000 },
  async () => {
    const [metricsPort, healthPort, webhookPort] = [await freePort(), await freePort(), await freePort()];
    const webhookToken = randomBytes(24).toString('base64url');
    const telemetry = { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '200' };
    const temporal = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default' };
    await Promise.all([
      startProcess(
        'worker',
        'worker/main.ts',
        {
          ...temporal,
          ...telemetry,
          REVOKER_QUEUES: 'playbooks,aws,notify',
          REVOKER_AWS_ENDPOINT: stack.aws.endpoint,
          REVOKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
          REVOKER_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
          REVOKER_METRICS_COUNT_INTERVAL: '1',
        },
        /worker ready/,
      ),
      startProcess(
        'webhook',
        'client/webhook/main.ts',
        {
          ...temporal,
          ...telemetry,
          REVOKER_WEBHOOK_HOST: '127.0.0.1',
          REVOKER_WEBHOOK_PORT: String(webhookPort),
          REVOKER_WEBHOOK_TOKEN: webhookToken,
        },
        /webhook listening/,
      ),
    ]);
    const worker = { metrics: `http://127.0.0.1:${metricsPort}/metrics`, health: `http://127.0.0.1:${healthPort}` };
    const webhook = `http://127.0.0.1:${webhookPort}`;

    // Probes: alive and ready, both.
    assert.equal(await status(`${worker.health}/healthz`), 200);
    await until(
      'the worker is ready',
      () => status(`${worker.health}/readyz`),
      (s) => s === 200,
      30_000,
    );
    assert.equal(await status(`${webhook}/healthz`), 200);
    assert.equal(await status(`${webhook}/readyz`), 200);

    // One alert through the webhook; IAM fails the first key deactivation once (a retry succeeds).
    stack.aws.injectFault({ action: 'UpdateAccessKey', code: 'ServiceFailure', times: 1 });
    const alert = alertAbout([awsUser('alice')], 'high');
    const posted = await fetch(`${webhook}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` },
      body: JSON.stringify(alert),
    });
    assert.equal(posted.status, 202, await posted.clone().text());
    const { workflowId } = (await posted.json()) as { workflowId: string };
    const handle = stack.client.workflow.getHandle(workflowId);

    // Deleting the keys waits for approval (the default policy): counted from visibility.
    await until(
      'the playbook waits for approval',
      () => handle.query(statusQuery),
      (s: PlaybookStatus) => s.state === 'AwaitingApproval',
    );
    await until(
      `${APPROVALS_WAITING.name} reads 1`,
      () => text(worker.metrics),
      (m) => sample(m, APPROVALS_WAITING.name) === 1,
    );
    await approve(handle, { approver: 'sam@example.com', actions: 'all', reason: 'confirmed stolen' });
    const contained = await until(
      'containment verified',
      () => handle.query(statusQuery),
      (s: PlaybookStatus) => s.containedAt !== undefined,
    );

    // The worker's metrics: Revoker's own beside the SDK's.
    const metrics = await until(
      'time to contain is recorded',
      () => text(worker.metrics),
      (m) => sample(m, `${TIME_TO_CONTAIN.name}_count`, [`state="${contained.state}"`]) === 1,
    );
    assert.ok((sample(metrics, PROVIDER_ERRORS.name, ['provider="aws"']) ?? 0) >= 1, 'the IAM failure is counted');
    assert.match(metrics, /^temporal_workflow_task_execution_latency_bucket/m, "the SDK's own metrics");
    assert.match(metrics, /^temporal_activity_execution_latency_bucket/m);
    await until(
      `${APPROVALS_WAITING.name} reads 0 after the decision`,
      () => text(worker.metrics),
      (m) => sample(m, APPROVALS_WAITING.name) === 0,
    );
    // The webhook's, on its loopback listener.
    const webhookMetrics = await text(`${webhook}/metrics`);
    assert.equal(sample(webhookMetrics, 'revoker_alerts_total', ['source="generic"', 'status="202"']), 1);

    // One trace: the webhook's request, the client's UpdateWithStart, the workflow run and its activities.
    const request = await until(
      'the webhook exports its request span',
      () => Promise.resolve(received.find((s) => s.service === 'revoker-webhook' && s.name === 'POST /alerts/:source')),
      (span) => span !== undefined,
    );
    assert.ok(request);
    // The workflow's own span ends, and is exported, when the run does: released, the playbook ends.
    await handle.signal(releaseSignal, { approver: 'sam@example.com', actions: 'all', reason: 'exercise over' });
    assert.equal(((await handle.result()) as Report).state, 'Released');
    const inTrace = await until(
      'the worker exports the workflow and activity spans of that trace',
      () => Promise.resolve(received.filter((s) => s.traceId === request.traceId)),
      (spans) =>
        Array.isArray(spans) &&
        spans.some((s) => s.name.startsWith('RunActivity:')) &&
        spans.some((s) => s.name === 'RunWorkflow:playbook'),
    );
    const names = new Set(inTrace.map((s) => s.name));
    assert.ok(
      [...names].some((n) => n.startsWith('UpdateWithStartWorkflow:')),
      [...names].join(', '),
    );
    assert.ok(names.has('RunWorkflow:playbook'));
    assert.ok([...names].some((n) => n.startsWith('StartActivity:')));
    assert.ok([...names].some((n) => n.startsWith('RunActivity:')));
    const start = inTrace.find((s) => s.name.startsWith('UpdateWithStartWorkflow:'));
    assert.equal(start?.parentSpanId, request.spanId, "the client's span is the request's child");
    assert.deepEqual(
      [...new Set(inTrace.map((s) => s.service))].sort(),
      ['revoker-webhook', 'revoker-worker'],
      'spans from both processes',
    );
    assert.deepEqual([...contentTypes], ['application/json']);

    // Logs: JSON lines, every one, and no secret of the sandbox in any.
    const secrets = [
      webhookToken,
      process.env.AWS_SECRET_ACCESS_KEY ?? '',
      process.env.AWS_SESSION_TOKEN ?? '',
      process.env.AZURE_CLIENT_SECRET ?? '',
      ...(process.env.REVOKER_PAYLOAD_KEYS ?? '').split(/[,:\s]+/),
      ...stack.seeds.aws.users.flatMap((u) => u.accessKeys.map((k) => k.secretAccessKey)),
      stack.links.secret,
    ].filter((secret) => secret.length >= 16);
    assert.ok(secrets.length > 3, `secrets enumerated: ${secrets.length}`);
    for (const { name, lines } of processes) {
      assert.ok(lines.length >= 2, `${name} logged`);
      for (const line of lines) {
        assert.doesNotThrow(() => JSON.parse(line), `${name} logged a line that is not JSON: ${line.slice(0, 300)}`);
        for (const secret of secrets) assert.equal(line.includes(secret), false, `${name} logged a secret: ${line}`);
      }
    }
    const logged = processes.flatMap(({ lines }) => lines).join('\n');
    assert.match(logged, /"msg":"playbook started"/, 'the webhook logged the start');

    // Temporal gone: both answer /readyz 503, and still /healthz 200.
    await stack.env.teardown();
    await until(
      'the worker is not ready',
      () => status(`${worker.health}/readyz`),
      (s) => s === 503,
      30_000,
    );
    await until(
      'the webhook is not ready',
      () => status(`${webhook}/readyz`),
      (s) => s === 503,
      30_000,
    );
    assert.equal(await status(`${worker.health}/healthz`), 200);
    assert.equal(await status(`${webhook}/healthz`), 200);
  },
);
