import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { statusQuery } from '../../domain/messages.js';
import type { Harness } from '../harness.js';
import { alertAbout, awsUser, useSandbox, webhookPoster } from './helpers.js';

const fixture = (source: string, name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`../../client/sources/fixtures/${source}/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

/** Native SIEM payloads through the real webhook into the real dev server: states, bare records, one mapping. */
describe('intake states and mappings on a real Temporal server', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const post = webhookPoster(() => h);
  const running = async () =>
    (await h.client.workflow.count(`WorkflowType = 'playbook' AND ExecutionStatus = 'Running'`)).count;

  it("leads the UI's summary with the incident's handle", async () => {
    // The title is the SIEM's, so possibly the attacker's: the UI renders markdown and raw HTML, so it is escaped.
    const title = 'Key used <img src=x> from [the VPN](https://evil.example)';
    const started = await h.start({ ...alertAbout([awsUser('alice')], 'high'), title });
    const handle = playbooks.handle(started.workflowId);
    const status = await handle.query(statusQuery);
    assert.match(status.handle ?? '', /^INC-[0-9A-HJKMNP-TV-Z]{6}$/);
    const description = await handle.describe();
    assert.equal(
      await description.staticSummary(),
      `${status.handle} · HIGH: Key used \\<img src=x\\> from \\[the VPN\\](https\\://evil.example)`,
    );
    // Unescaped, `<img` would be a tag and `](https://…` a link.
    assert.doesNotMatch((await description.staticDetails()) ?? '', /(?<!\\)<img|(?<!\\)\]\(https/);
    assert.match((await description.staticDetails()) ?? '', /\\<img/);
  });

  it('answers 200 ignored for an incident its SIEM closed as a false positive, and starts nothing', async () => {
    const incident = fixture('sentinel', 'incident-token-replay') as {
      object: { properties: Record<string, unknown> };
    };
    const closed = {
      ...incident,
      object: {
        ...incident.object,
        properties: { ...incident.object.properties, status: 'Closed', classification: 'FalsePositive' },
      },
    };
    const before = await running();
    const reply = await post('/alerts/sentinel', closed);
    assert.equal(reply.status, 200);
    const body = (await reply.json()) as { outcome: string; reason: string };
    assert.equal(body.outcome, 'ignored');
    assert.match(body.reason, /Closed/);
    assert.equal(await running(), before, 'no incident started');
  });

  it('contains a bare CloudTrail record as it does the EventBridge event, with the same principals', async () => {
    const event = fixture('cloudtrail', 'get-federation-token') as { detail: unknown };
    const wrapped = await post('/alerts/cloudtrail', event);
    assert.equal(wrapped.status, 202);
    const first = (await wrapped.json()) as { workflowId: string };
    playbooks.handle(first.workflowId);
    const bare = await post('/alerts/cloudtrail', event.detail);
    assert.equal(bare.status, 202);
    const second = (await bare.json()) as { workflowId: string; outcome: string };
    assert.equal(second.workflowId, first.workflowId, 'same principals, same incident');
    assert.equal(second.outcome, 'duplicate', 'the same record (same event id) either way');
    const status = await h.client.workflow.getHandle(first.workflowId).query(statusQuery);
    assert.deepEqual(
      status.principals.map((p) => p.key),
      ['aws/123456789012/access-key/AKIAALICE07EXAMPLE01'],
      "the key that signed the call, alice's",
    );
  });
});
