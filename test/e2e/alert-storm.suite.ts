import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startPlaybook, type StartResult } from '../../client/start-playbook.js';
import { createWebhookApp } from '../../client/webhook/app.js';
import { startWebhookServer, type WebhookServer } from '../../client/webhook/server.js';
import { alertRef, RevokerAlertId } from '../../domain/search-attributes.js';
import { harness, TEST_POLICY, TEST_SETTINGS } from '../harness.js';
import { alertAbout, awsUser, reject, result, settled, useSandbox, waitForStatus } from './helpers.js';

const TOKEN = 'storm-token';
const STORM = 1_000;

/** A detection firing a thousand times for one stolen key, over real HTTP into the real webhook server. */
describe('an alert storm, and native sources on the real server', () => {
  let server: WebhookServer;
  const playbooks = useSandbox(() => undefined);

  before(async () => {
    const ready = await harness();
    const app = createWebhookApp({
      auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
      rateLimit: { burst: 2 * STORM, perSecond: 50 },
      startPlaybook: (alert) =>
        startPlaybook(ready.client, alert, { policy: TEST_POLICY, settings: TEST_SETTINGS, uiBaseUrl: 'http://ui' }),
    });
    server = await startWebhookServer({ port: 0, host: '127.0.0.1', app });
  });
  after(() => server.close());

  const post = async (alert: unknown, route = '/alerts'): Promise<StartResult> => {
    const reply = await fetch(`${server.url}${route}${route.endsWith('splunk') ? `?token=${TOKEN}` : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    });
    assert.equal(reply.status, 202, await reply.clone().text());
    return (await reply.json()) as StartResult;
  };

  it('becomes one playbook that lists every alert; a resent alert is a duplicate; after it closes a new one starts', async () => {
    const alerts = Array.from({ length: STORM }, () => alertAbout([awsUser('alice')], 'medium'));
    const replies = await Promise.all(alerts.map((alert) => post(alert)));

    const ids = new Set(replies.map((r) => r.workflowId));
    assert.equal(ids.size, 1, 'one playbook');
    assert.equal(replies.filter((r) => !r.merged && !r.duplicate).length, 1, 'one start, the rest merged');
    const [workflowId] = ids;
    const handle = playbooks.handle(workflowId ?? '');
    const status = await waitForStatus(handle, (s) => s.alerts.length === STORM && settled(s), 60_000);
    assert.deepEqual(new Set(status.alerts.map((a) => a.id)), new Set(alerts.map((a) => a.id)));
    const filed = (await handle.describe()).typedSearchAttributes.get(RevokerAlertId) ?? [];
    assert.ok(
      filed.length > 5 && filed.length < STORM,
      `the search attribute lists the first alerts (${filed.length})`,
    );
    assert.equal(filed[0], alertRef(status.alerts[0] ?? { source: '', id: '' }), 'the first alert first');

    const resent = await post(alerts[0]);
    assert.equal(resent.duplicate || resent.merged, true);
    assert.equal((await waitForStatus(handle, settled)).alerts.length, STORM, 'a resent alert is not listed twice');

    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'storm test' });
    const report = await result(handle);
    assert.equal(report.alerts.length, STORM, 'the report lists every alert');

    const next = await post(alertAbout([awsUser('alice')], 'medium'));
    assert.equal(next.merged, false);
    assert.equal(next.workflowId, workflowId);
    assert.notEqual(next.runId, replies.find((r) => !r.merged)?.runId, 'a new run for a new alert after the close');
  });

  it('joins four SIEMs reporting the same stolen key into one playbook that contains it', async () => {
    const fixture = (path: string): unknown =>
      JSON.parse(readFileSync(new URL(`../../client/sources/fixtures/${path}.json`, import.meta.url), 'utf8'));
    const sent = [
      ['guardduty', 'guardduty/iam-user-access-key'],
      ['cloudtrail', 'cloudtrail/get-federation-token'],
      ['splunk', 'splunk/cloudtrail-iam-user'],
      ['elastic', 'elastic/aws-iam-user-access-key'],
    ] as const;
    const replies = [];
    for (const [source, path] of sent) replies.push(await post(fixture(path), `/alerts/${source}`));
    assert.deepEqual(
      new Set(replies.map((r) => r.workflowId)),
      new Set(['contain/aws/123456789012/access-key/AKIAALICE07EXAMPLE01']),
    );
    assert.deepEqual(
      replies.map((r) => r.merged),
      [false, true, true, true],
    );
    const handle = playbooks.handle(replies[0]?.workflowId ?? '');
    const status = await waitForStatus(handle, (s) => s.alerts.length === 4 && settled(s));
    assert.deepEqual(
      status.alerts.map((a) => a.source),
      sent.map(([source]) => source),
    );
    assert.ok(status.actions.some((r) => r.action.id === 'aws:deactivate-key:AKIAALICE07EXAMPLE01'));
  });
});
