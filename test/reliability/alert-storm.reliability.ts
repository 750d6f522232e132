// `npm run test:reliability`: a storm of distinct alerts about one stolen key, over real HTTP into the real webhook
// server (the batching intake of client/webhook/main.ts), on the real dev server. It checks that the storm is one
// incident that counts every alert exactly, that resends are duplicates, that the status and report stay small and
// that no workflow task failed, and prints what it measured. REVOKER_STORM_ALERTS and REVOKER_STORM_CONCURRENCY
// change its size (10,000 and 200).
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { createIntakeBatcher } from '../../client/intake-batcher.js';
import { startPlaybooks, type StartResult } from '../../client/start-playbook.js';
import { createWebhookApp } from '../../client/webhook/app.js';
import { startWebhookServer } from '../../client/webhook/server.js';
import { alertRefsQuery, rejectSignal, statusQuery } from '../../domain/messages.js';
import type { Report } from '../../domain/report.js';
import { harness, TEST_POLICY, TEST_SETTINGS } from '../harness.js';
import { alertAbout, awsUser } from '../e2e/helpers.js';
import { recordFigure } from './figures.js';

const TOTAL = Number(process.env.REVOKER_STORM_ALERTS ?? 10_000);
/** A sender that posts one alert at a time (an EventBridge API destination): one Update per alert. */
const SEQUENTIAL = Number(process.env.REVOKER_STORM_SEQUENTIAL ?? 2_500);
const CONCURRENCY = Number(process.env.REVOKER_STORM_CONCURRENCY ?? 200);
const TOKEN = 'storm-token';

const h = await harness();
const app = createWebhookApp({
  auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
  // The production default: only alerts that would start an incident spend it.
  rateLimit: { burst: 2_000, perSecond: 50 },
  startPlaybook: createIntakeBatcher((alerts) =>
    startPlaybooks(h.client, alerts, { policy: TEST_POLICY, settings: TEST_SETTINGS, uiBaseUrl: 'http://ui' }),
  ),
});
const server = await startWebhookServer({ port: 0, host: '127.0.0.1', app });
const post = async (alert: unknown): Promise<StartResult> => {
  const reply = await fetch(`${server.url}/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(alert),
  });
  if (reply.status !== 202) throw new Error(`HTTP ${reply.status}: ${await reply.text()}`);
  return (await reply.json()) as StartResult;
};

after(async () => {
  await server.close();
  await h.close();
});

it(
  `absorbs ${TOTAL} distinct alerts about one key into one incident, exactly and within bounds`,
  { timeout: 30 * 60_000 },
  async () => {
    const alerts = Array.from({ length: TOTAL }, () => alertAbout([awsUser('alice')], 'medium'));
    const outcomes: Record<string, number> = {};
    const started = Date.now();
    let next = 0;
    let workflowId = '';
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < alerts.length) {
          const reply = await post(alerts[next++]);
          outcomes[reply.outcome] = (outcomes[reply.outcome] ?? 0) + 1;
          workflowId = reply.workflowId;
        }
      }),
    );
    const absorbMs = Date.now() - started;
    const handle = h.client.workflow.getHandle(workflowId);
    const resent = await Promise.all(alerts.slice(0, 100).map((a) => post(a)));
    const status = await handle.query(statusQuery);
    const { total } = await handle.query(alertRefsQuery, { limit: 1 });
    await handle.signal(rejectSignal, { approver: 'sam@example.com', actions: 'all', reason: 'storm' });
    const report = (await handle.result()) as Report;
    const history = await handle.fetchHistory();
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
    const historyBytes = JSON.stringify(history).length;

    const row = (name: string, value: string | number) => process.stdout.write(`${name.padEnd(34)} ${value}\n`);
    row('alerts posted', TOTAL);
    row('concurrency', CONCURRENCY);
    row('outcomes', JSON.stringify(outcomes));
    row('absorbed in', `${(absorbMs / 1000).toFixed(1)} s (${Math.round(TOTAL / (absorbMs / 1000))} alerts/s)`);
    row('alertCount / alertRefs total', `${status.alertCount} / ${total}`);
    row('status Query size', `${(JSON.stringify(status).length / 1024).toFixed(1)} KiB`);
    row('report size', `${(JSON.stringify(report).length / 1024).toFixed(1)} KiB`);
    row('history', `${history.events?.length ?? 0} events, ${(historyBytes / 1024 / 1024).toFixed(2)} MB`);
    row('failed workflow tasks', failedTasks);
    row('continued as new', report.continuedAsNew ?? 0);
    recordFigure({
      scenario: `storm: ${TOTAL} alerts, ${CONCURRENCY} at a time, one key`,
      runs: TOTAL,
      unit: 'alerts',
      lost: TOTAL - (report.alertCount ?? 0),
      duplicated: (outcomes.started ?? 0) - 1,
      fiveXx: 0,
      note: `${Math.round(TOTAL / (absorbMs / 1000))} alerts/s`,
    });

    assert.deepEqual(outcomes, { started: 1, merged: TOTAL - 1 }, 'one start, every other alert merged');
    assert.deepEqual(new Set(resent.map((r) => r.outcome)), new Set(['duplicate']), 'resends are duplicates');
    assert.equal(status.alertCount, TOTAL);
    assert.equal(total, TOTAL);
    assert.equal(report.alertCount, TOTAL);
    assert.ok(JSON.stringify(status).length < 256 * 1024, 'the status stays under 256 KB');
    assert.ok(JSON.stringify(report).length < 256 * 1024, 'the report stays under 256 KB');
    assert.equal(failedTasks, 0, 'no workflow task failed');
  },
);

it(
  `absorbs ${SEQUENTIAL} alerts posted one at a time: past Temporal's 2,000 Updates per run, it continues as new`,
  { timeout: 30 * 60_000 },
  async () => {
    const alerts = Array.from({ length: SEQUENTIAL }, () => alertAbout([awsUser('ci-deployer')], 'medium'));
    const outcomes: Record<string, number> = {};
    const started = Date.now();
    let workflowId = '';
    for (const alert of alerts) {
      const reply = await post(alert);
      outcomes[reply.outcome] = (outcomes[reply.outcome] ?? 0) + 1;
      workflowId = reply.workflowId;
    }
    const absorbMs = Date.now() - started;
    const handle = h.client.workflow.getHandle(workflowId);
    const resent = await post(alerts[0]);
    const status = await handle.query(statusQuery);
    await handle.signal(rejectSignal, { approver: 'sam@example.com', actions: 'all', reason: 'storm' });
    const report = (await handle.result()) as Report;
    let runs = 0;
    let failedTasks = 0;
    for await (const run of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs += 1;
      const history = await h.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      failedTasks += (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
    }

    const row = (name: string, value: string | number) => process.stdout.write(`${name.padEnd(34)} ${value}\n`);
    row('alerts posted one at a time', SEQUENTIAL);
    row('outcomes', JSON.stringify(outcomes));
    row('absorbed in', `${(absorbMs / 1000).toFixed(1)} s (${Math.round(SEQUENTIAL / (absorbMs / 1000))} alerts/s)`);
    row('runs of the incident', runs);
    row('continued as new', report.continuedAsNew ?? 0);
    row('failed workflow tasks', failedTasks);
    recordFigure({
      scenario: `storm: ${SEQUENTIAL} alerts one at a time (continue-as-new)`,
      runs: SEQUENTIAL,
      unit: 'alerts',
      lost: SEQUENTIAL - (report.alertCount ?? 0),
      duplicated: (outcomes.started ?? 0) - 1,
      fiveXx: 0,
      note: `${runs} runs`,
    });

    assert.deepEqual(outcomes, { started: 1, merged: SEQUENTIAL - 1 });
    assert.equal(resent.outcome, 'duplicate', 'an alert of the first run is a duplicate in the last');
    assert.equal(status.alertCount, SEQUENTIAL);
    assert.equal(report.alertCount, SEQUENTIAL);
    assert.ok((report.continuedAsNew ?? 0) >= 1, 'continued as new before the Update cap');
    assert.equal(failedTasks, 0, 'no workflow task failed');
  },
);
