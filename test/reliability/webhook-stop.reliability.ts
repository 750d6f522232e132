// `npm run test:reliability`: the webhook process (`node --import tsx client/webhook/main.ts`, a real child) is
// stopped while a burst of alerts arrives, once with SIGTERM (its graceful shutdown: finish the requests in flight)
// and once with SIGKILL. Every alert it answered 202 must be in a playbook; every other alert must have got an error a
// SIEM retries (connection refused or reset, or 503), never a 4xx. Then the SIEM's retries, against a new webhook
// process, land every alert: nothing is lost and nothing is counted twice.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatePayloadKeyEntry } from '../../connect/payload-codec.js';
import type { Alert } from '../../domain/alert.js';
import { alertRefsQuery, hasAlertsQuery } from '../../domain/messages.js';
import { alertRef } from '../../domain/search-attributes.js';
import { recordFigure } from './figures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BURST = Number(process.env.REVOKER_STOP_BURST ?? 300);
const CONCURRENCY = 30;
/** Replies before the stop: the burst is well under way, with requests in flight. */
const STOP_AFTER = Math.round(BURST / 3);
const TOKEN = randomBytes(18).toString('base64url');

// The webhook child encrypts what it starts with the key the test stack's workers decrypt with.
process.env.REVOKER_PAYLOAD_KEYS ??= generatePayloadKeyEntry('webhook-stop');
const { harness } = await import('../harness.js');
const { freePort } = await import('../../testing/stack.js');
const h = await harness();
after(() => h.close());

interface Webhook {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startWebhook(port: number): Promise<Webhook> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/webhook/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_NAMESPACE: 'default',
      REVOKER_WEBHOOK_PORT: String(port),
      REVOKER_WEBHOOK_HOST: '127.0.0.1',
      REVOKER_WEBHOOK_TOKEN: TOKEN,
      REVOKER_RATE_LIMIT_BURST: String(10 * BURST),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the webhook did not listen in 60 s:\n${output.join('')}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (/webhook listening/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the webhook exited (${code}) before listening:\n${output.join('')}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output, exited };
}

type Outcome =
  | { kind: 'reply'; status: number; workflowId?: string; outcome?: string; sentAt: number; at: number }
  | { kind: 'network'; code: string; sentAt: number; at: number };

async function post(url: string, alert: Alert): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const res = await fetch(`${url}/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as { workflowId?: string; outcome?: string };
    return { kind: 'reply', status: res.status, ...body, sentAt, at: Date.now() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { kind: 'network', code: cause?.code ?? (error as Error).name, sentAt, at: Date.now() };
  }
}

const alertFor = (run: string, i: number): Alert => ({
  source: 'siem',
  id: `${run}-${i}`,
  title: 'Access key used from an unfamiliar network',
  severity: 'low',
  observedAt: new Date().toISOString(),
  // A principal per alert: each 202 is its own playbook, so a lost one cannot hide behind a merge.
  principals: [{ type: 'aws.user', accountId: '123456789012', userName: `stop-${run}-${i}` }],
});

const retriable = (o: Outcome) => o.kind === 'network' || o.status === 503;

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  describe(`the webhook stopped with ${signal} mid-burst`, () => {
    it(
      `answers 202 only for alerts in a playbook, a retriable error otherwise, and loses none on retry (${BURST} alerts)`,
      { timeout: 10 * 60_000 },
      async () => {
        const run = `${signal.toLowerCase()}-${Date.now()}`;
        const port = await freePort();
        const first = await startWebhook(port);
        const alerts = Array.from({ length: BURST }, (_, i) => alertFor(run, i));
        const outcomes: Outcome[] = new Array<Outcome>(BURST);
        let next = 0;
        let replies = 0;
        let stoppedAt = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < BURST) {
              const i = next++;
              outcomes[i] = await post(first.url, alerts[i]!);
              if (++replies === STOP_AFTER) {
                stoppedAt = Date.now();
                first.child.kill(signal);
              }
              // A SIEM's sender keeps going at its own pace while the webhook is down.
              if (stoppedAt) await sleep(5);
            }
          }),
        );
        const exit = await first.exited;

        const accepted = outcomes.flatMap((o, i) => (o.kind === 'reply' && o.status === 202 ? [i] : []));
        const refusedWrongly = outcomes.filter((o) => !(o.kind === 'reply' && o.status === 202) && !retriable(o));
        const fiveXx = outcomes.filter((o) => o.kind === 'reply' && o.status >= 500).length;
        // In flight at the stop: sent before it, answered after it (202, or 503 when Temporal was slower than the
        // sender's deadline; either is an answer, where a cut-off connection is not).
        const drained = outcomes.filter((o) => o.kind === 'reply' && o.sentAt < stoppedAt && o.at >= stoppedAt);
        const drainedAccepted = drained.filter((o) => o.kind === 'reply' && o.status === 202).length;
        const fiveXxBeforeStop = outcomes.filter(
          (o) => o.kind === 'reply' && o.status >= 500 && o.at < stoppedAt,
        ).length;

        // Every 202 names a playbook that has the alert.
        let lost = 0;
        for (const i of accepted) {
          const o = outcomes[i] as Extract<Outcome, { kind: 'reply' }>;
          const handle = h.client.workflow.getHandle(o.workflowId!);
          const [has] = await handle.query(hasAlertsQuery, [alertRef(alerts[i]!)]).catch(() => [false]);
          if (!has) lost++;
        }

        // The SIEM retries every other alert against the restarted webhook until it lands.
        const second = await startWebhook(port);
        let recoveredAt = 0;
        const retried = outcomes.flatMap((o, i) => (retriable(o) ? [i] : []));
        for (const i of retried) {
          for (let attempt = 0; attempt < 10; attempt++) {
            const o = await post(second.url, alerts[i]!);
            if (o.kind === 'reply' && o.status === 202) {
              recoveredAt ||= o.at;
              outcomes[i] = o;
              break;
            }
            assert.ok(retriable(o), `retry of alert ${i}: ${JSON.stringify(o)}`);
            await sleep(500);
          }
        }
        second.child.kill('SIGTERM');
        await second.exited;

        let duplicated = 0;
        for (let i = 0; i < BURST; i++) {
          const o = outcomes[i]!;
          if (!(o.kind === 'reply' && o.status === 202)) {
            lost++;
            continue;
          }
          const handle = h.client.workflow.getHandle(o.workflowId!);
          const [has] = await handle.query(hasAlertsQuery, [alertRef(alerts[i]!)]).catch(() => [false]);
          if (!has) lost++;
          const { total } = await handle.query(alertRefsQuery, { limit: 1 });
          if (total > 1) duplicated++;
        }
        await Promise.all(
          outcomes.map((o) =>
            o.kind === 'reply' && o.workflowId
              ? h.client.workflow
                  .getHandle(o.workflowId)
                  .terminate('webhook-stop scenario done')
                  .then(
                    () => undefined,
                    () => undefined,
                  )
              : Promise.resolve(),
          ),
        );

        const network = outcomes.length - accepted.length;
        const note =
          `${accepted.length} answered 202 before or during the stop, ${drained.length} of them in flight at the stop; ` +
          `${retried.length} retried (${network - retried.length} neither); exit ${exit.code ?? exit.signal}`;
        process.stdout.write(`webhook ${signal}: ${note}; lost ${lost}, duplicated ${duplicated}\n`);
        recordFigure({
          scenario: `webhook ${signal === 'SIGTERM' ? 'SIGTERM' : 'kill -9'} mid-burst, SIEM retries`,
          runs: BURST,
          unit: 'alerts',
          lost,
          duplicated,
          fiveXx,
          recoverMs: recoveredAt - stoppedAt,
          note:
            `${accepted.length} 202 in all from the first process; ${drained.length} in flight at the stop answered ` +
            `(${drainedAccepted} of them 202); ${fiveXxBeforeStop} 503 before the stop; 5xx all 503`,
        });

        assert.deepEqual(refusedWrongly, [], 'every alert not answered 202 got an error a SIEM retries');
        assert.equal(lost, 0, 'no alert lost');
        assert.equal(duplicated, 0, 'no alert counted twice');
        assert.ok(accepted.length > 0 && stoppedAt > 0, 'the burst was under way at the stop');
        if (signal === 'SIGTERM') {
          assert.equal(exit.code, 0, `a clean exit after draining:\n${first.output.join('').slice(-2000)}`);
          assert.ok(drained.length > 0, 'requests in flight at SIGTERM were answered, not cut off');
        }
      },
    );
  });
}
