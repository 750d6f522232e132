import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationMessage, shellQuote } from './notify-message.js';

const where = { workflowId: 'contain/aws/123456789012/user/alice', link: 'http://ui/namespaces/default/workflows/x' };
const actions = [
  { id: 'aws:deactivate-key:AKIA1', description: 'Deactivate access key AKIA1 of alice.' },
  { id: 'aws:delete-key:AKIA1', description: 'Delete access key AKIA1 of alice.' },
];

describe('notification messages', () => {
  it('asks for approval with the waiting action ids, the exact CLI command and the deep link', () => {
    const message = notificationMessage(
      { kind: 'approval-requested', title: 'Stolen key used', severity: 'medium', actions },
      where,
    );
    for (const text of [message.text, message.blocks[0]?.text.text ?? '']) {
      assert.match(text, /2 containment step\(s\) await approval \(medium\)/);
      assert.ok(text.includes('`aws:deactivate-key:AKIA1`') && text.includes('`aws:delete-key:AKIA1`'), text);
      assert.ok(text.includes("`revoker approve 'contain/aws/123456789012/user/alice' --all`"), text);
    }
    assert.ok(message.text.includes(`[Open in Temporal UI](${where.link})`), 'markdown link for Teams');
    assert.ok(message.blocks[0]?.text.text.includes(`<${where.link}|Open in Temporal UI>`), 'mrkdwn link for Slack');
  });

  it('names the escalated steps and the window they waited', () => {
    const { text } = notificationMessage({ kind: 'escalated', timeout: '4h', actions: actions.slice(0, 1) }, where);
    assert.match(text, /1 step\(s\) escalated — no decision within 4h/);
    assert.ok(text.includes('aws:deactivate-key:AKIA1') && !text.includes('delete-key'));
  });

  it('reports the final state, the summary line and how many residual risks remain', () => {
    const { text } = notificationMessage(
      { kind: 'completed', state: 'Contained', summary: 'Contained: alice — 5 actions (5 done).', residualRisks: 3 },
      where,
    );
    assert.match(text, /playbook Contained/);
    assert.match(text, /Contained: alice — 5 actions \(5 done\)\./);
    assert.match(text, /Residual risks: 3/);
    assert.ok(text.includes(where.link));
  });

  it('keeps an alert title from pinging a Slack channel and lists at most 15 steps', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, description: 'step' }));
    const message = notificationMessage(
      { kind: 'approval-requested', title: '<!channel> & <@U123>', severity: 'low', actions: many },
      where,
    );
    const mrkdwn = message.blocks[0]?.text.text ?? '';
    assert.ok(mrkdwn.includes('&lt;!channel&gt; &amp; &lt;@U123&gt;'), mrkdwn);
    assert.ok(mrkdwn.includes('`a14`') && !mrkdwn.includes('`a15`'));
    assert.match(mrkdwn, /… and 5 more/);
  });

  it('quotes a workflow id for the shell whatever it holds', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});
