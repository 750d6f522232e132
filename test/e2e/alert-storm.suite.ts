import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createIntakeBatcher } from '../../client/intake-batcher.js';
import { startPlaybooks, type StartResult } from '../../client/start-playbook.js';
import { alertRefsQuery } from '../../domain/messages.js';
import { createWebhookApp } from '../../client/webhook/app.js';
import { startWebhookServer, type WebhookServer } from '../../client/webhook/server.js';
import { alertRef, RevokerAlertId } from '../../domain/search-attributes.js';
import { harness, TEST_POLICY, TEST_SETTINGS } from '../harness.js';
import { alertAbout, awsUser, incidentId, reject, result, settled, useSandbox, waitForStatus } from './helpers.js';

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
      // As client/webhook/main.ts wires it: one intake Update in flight per incident, alerts batched.
      startPlaybook: createIntakeBatcher((alerts) =>
        startPlaybooks(ready.client, alerts, { policy: TEST_POLICY, settings: TEST_SETTINGS, uiBaseUrl: 'http://ui' }),
      ),
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

  it('becomes one incident that counts every alert exactly; a resend is a duplicate, open or closed', async () => {
    const alerts = Array.from({ length: STORM }, () => alertAbout([awsUser('alice')], 'medium'));
    const replies = await Promise.all(alerts.map((alert) => post(alert)));

    const ids = new Set(replies.map((r) => r.workflowId));
    assert.equal(ids.size, 1, 'one playbook');
    assert.deepEqual(
      replies.map((r) => r.outcome).sort(),
      ['started', ...Array<string>(STORM - 1).fill('merged')].sort(),
      'one start, the rest merged',
    );
    const [workflowId] = ids;
    const handle = playbooks.handle(workflowId ?? '');
    const status = await waitForStatus(handle, (s) => s.alertCount === STORM && settled(s), 60_000);
    assert.ok(status.alerts.length <= 50, `the status lists the latest alerts only (${status.alerts.length})`);
    const { total, refs } = await handle.query(alertRefsQuery, { limit: 10_000 });
    assert.equal(total, STORM);
    assert.deepEqual(new Set(refs), new Set(alerts.map((a) => alertRef(a))), 'every alert id, retrievable');
    const filed = (await handle.describe()).typedSearchAttributes.get(RevokerAlertId) ?? [];
    assert.ok(
      filed.length > 5 && filed.length < STORM,
      `the search attribute lists the first alerts (${filed.length})`,
    );

    const resent = await Promise.all([alerts[0], alerts[STORM - 1], alerts[STORM / 2]].map((a) => post(a)));
    assert.deepEqual(
      resent.map((r) => r.outcome),
      ['duplicate', 'duplicate', 'duplicate'],
    );
    assert.equal((await waitForStatus(handle, settled)).alertCount, STORM, 'a resent alert is not counted twice');

    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'storm test' });
    const report = await result(handle);
    assert.equal(report.alertCount, STORM, 'the report counts every alert');
    assert.ok(JSON.stringify(report).length < 256 * 1024, 'the report stays small');

    const late = await post(alerts[STORM - 1]);
    assert.equal(late.outcome, 'duplicate', 'a resend after the close is still a duplicate');
    const next = await post(alertAbout([awsUser('alice')], 'medium'));
    assert.equal(next.outcome, 'started');
    assert.equal(next.workflowId, workflowId);
    assert.notEqual(next.runId, replies.find((r) => r.outcome === 'started')?.runId, 'a new run after the close');
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
      new Set([
        incidentId(await harness(), [
          { type: 'aws.accessKey', accountId: '123456789012', accessKeyId: 'AKIAALICE07EXAMPLE01' },
        ]),
      ]),
    );
    assert.deepEqual(
      replies.map((r) => r.outcome),
      ['started', 'merged', 'merged', 'merged'],
    );
    const handle = playbooks.handle(replies[0]?.workflowId ?? '');
    const status = await waitForStatus(handle, (s) => s.alertCount === 4 && settled(s));
    assert.deepEqual(
      status.alerts.map((a) => a.source),
      sent.map(([source]) => source),
    );
    assert.ok(status.actions.some((r) => r.action.id === 'aws:deactivate-key:AKIAALICE07EXAMPLE01'));
  });
});
