import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Policy } from '../../domain/policy.js';
import { harness, TEST_POLICY, type Harness } from '../harness.js';
import { alertAbout, approve, awsUser, playbookTracker, result, settled, waitForStatus } from './helpers.js';

interface Message {
  text: string;
  blocks: { text: { text: string } }[];
}

describe('chat notifications', () => {
  let h: Harness;
  const playbooks = playbookTracker(() => h);
  const linkOf = (workflowId: string) => `${h.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
  /** The messages about one playbook: every message carries its deep link. */
  const messagesAbout = (workflowId: string) =>
    (h.notifications.received as Message[]).filter((m) => m.text.includes(`(${linkOf(workflowId)})`));
  async function waitForMessage(workflowId: string, pattern: RegExp, timeoutMs = 15_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = messagesAbout(workflowId).find((m) => pattern.test(m.text));
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no message matching ${String(pattern)}; got ${JSON.stringify(messagesAbout(workflowId))}`);
  }

  beforeEach(async () => {
    h = await harness();
    h.aws.reset(h.seed);
    h.notifications.clear();
  });
  afterEach(async () => {
    h.notifications.clear();
    await playbooks.cleanup();
  });

  it('asks the channel for approval with the waiting action ids and a deep link, then reports the outcome', async () => {
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'medium'))).workflowId);
    const waiting = await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));

    const request = await waitForMessage(handle.workflowId, /await approval/);
    for (const record of waiting.actions) assert.ok(request.text.includes(`\`${record.action.id}\``), record.action.id);
    // Named by the incident's handle, which the command takes; the id beside it for the UI's search.
    assert.match(waiting.handle ?? '', /^INC-[0-9A-HJKMNP-TV-Z]{6}$/);
    assert.ok(request.text.includes(`Revoker ${waiting.handle ?? '?'}:`), request.text);
    assert.ok(request.text.includes(`revoker approve ${waiting.handle ?? '?'} --all`), request.text);
    assert.ok(request.blocks[0]?.text.text.includes(`<${linkOf(handle.workflowId)}|`), 'Slack blocks carry the link');

    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    const completed = await waitForMessage(handle.workflowId, /playbook Contained/);
    assert.ok(completed.text.includes(report.summary), completed.text);
    // Counted as the report counts them, the first ones listed.
    assert.ok(report.residualRisks.length > 0, 'the deny leaves role sessions, and tokens issued before it linger');
    assert.ok(completed.text.includes(`Residual risks: ${report.residualRisks.length}`), completed.text);
    assert.ok(completed.text.includes(`• ${report.residualRisks[0]?.risk}`), completed.text);
    assert.equal(messagesAbout(handle.workflowId).length, 2, 'one approval request, one completion: no duplicates');
  });

  it('contains even when the chat webhook fails every call', async () => {
    h.notifications.failNext(Infinity);
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'high'))).workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });

    const report = await result(handle);
    assert.equal(report.state, 'Contained');
    assert.equal(messagesAbout(handle.workflowId).length, 0, 'nothing got through');
    const history = JSON.stringify(await handle.fetchHistory());
    assert.ok(!history.includes('test-secret'), 'the webhook URL, a secret, stays out of the history');
  });

  it('announces the steps escalated after a window without a decision', async () => {
    const policy: Policy = {
      ...TEST_POLICY,
      approvalTimeout: '1s',
      actions: { 'aws.deactivateAccessKey': 'approval', 'aws.denyUserSessions': 'approval' },
      onTimeout: { 'aws.deactivateAccessKey': 'proceed' },
    };
    const handle = playbooks.handle((await h.start(alertAbout([awsUser('alice')], 'low'), { policy })).workflowId);
    const report = await result(handle);

    const escalated = messagesAbout(handle.workflowId).filter((m) => /escalated — no decision within 1s/.test(m.text));
    assert.ok(escalated.length >= 1, 'at least one escalation message');
    const text = escalated.map((m) => m.text).join('\n');
    for (const record of report.actions) assert.ok(text.includes(`\`${record.action.id}\``), record.action.id);
    await waitForMessage(handle.workflowId, new RegExp(`playbook ${report.state}`));
  });
});
