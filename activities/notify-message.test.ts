import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationMessage, shellQuote, type PlaybookEvent } from './notify-message.js';

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

  it('names the incident by its handle in every kind of message, the id beside it, and the command takes the handle', () => {
    const handle = 'INC-7F3K2Q';
    const asking: PlaybookEvent = {
      kind: 'approval-requested',
      title: 'Stolen key used',
      severity: 'medium',
      actions,
      handle,
    };
    const events: PlaybookEvent[] = [
      asking,
      { kind: 'escalated', timeout: '4h', actions, handle },
      { kind: 'completed', state: 'Contained', summary: 'Contained.', residualRisks: 0, handle },
      { kind: 'watch-hit', count: 1, refused: 1, calls: ['GetUser by AKIA1'], next: 'Sweeping again.', handle },
    ];
    for (const event of events) {
      const message = notificationMessage(event, where);
      for (const text of [message.text, message.blocks[0]?.text.text ?? '']) {
        assert.ok(text.includes(`Revoker ${handle}:`), `${event.kind}: ${text}`);
        assert.ok(text.includes(`Incident \`${handle}\` — playbook \`${where.workflowId}\``), `${event.kind}: ${text}`);
      }
    }
    const { text } = notificationMessage(asking, where);
    assert.ok(text.includes(`\`revoker approve ${handle} --all\``), text);
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

  it('says Contained (already) and lists the first residual risks, saying where the rest are', () => {
    const { text } = notificationMessage(
      {
        kind: 'completed',
        state: 'Contained',
        label: 'Contained (already)',
        summary: 's',
        residualRisks: 4,
        risks: ['one', 'two', 'three'],
      },
      where,
    );
    assert.match(text, /playbook Contained \(already\)/);
    assert.match(text, /Residual risks: 4 \(all in the report\)\n+• one\n+• two\n+• three/);
    const none = notificationMessage({ kind: 'completed', state: 'Contained', summary: 's', residualRisks: 0 }, where);
    assert.match(none.text, /Residual risks: none/);
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

  it('renders one-click links per approver in the markdown text and in Slack blocks after the first', () => {
    const links = {
      expiresAt: '2026-11-23T14:00:00.000Z',
      identities: [
        {
          approver: 'sam@example.com',
          links: [
            { verdict: 'approve' as const, url: 'https://revoker/links/tok.en.A' },
            { verdict: 'reject' as const, url: 'https://revoker/links/tok.en.R' },
          ],
        },
      ],
      more: 2,
    };
    const event = {
      kind: 'approval-requested' as const,
      title: 'Stolen key used',
      severity: 'medium' as const,
      actions,
    };
    const plain = notificationMessage(event, where);
    const message = notificationMessage(event, { ...where, links });
    assert.equal(message.blocks[0]?.text.text, plain.blocks[0]?.text.text, 'the first block is unchanged');
    assert.ok(message.text.startsWith(plain.text), 'links come after the usual message');
    assert.ok(
      message.text.includes(
        '[Approve as sam@example.com](https://revoker/links/tok.en.A) · [Reject as sam@example.com](https://revoker/links/tok.en.R)',
      ),
      message.text,
    );
    assert.match(message.text, /until 2026-11-23T14:00:00Z/);
    assert.match(message.text, /… 2 more approver\(s\): use the UI or the CLI/);
    const linkBlocks = message.blocks
      .slice(1)
      .map((b) => b.text.text)
      .join('\n');
    assert.ok(linkBlocks.includes('<https://revoker/links/tok.en.A|Approve as sam@example.com>'), linkBlocks);
    assert.ok(linkBlocks.includes('<https://revoker/links/tok.en.R|Reject as sam@example.com>'), linkBlocks);
  });

  it('splits long links over Slack sections of at most 3,000 characters', () => {
    const long = (tag: string) => `https://revoker/links/${tag}${'x'.repeat(2_700)}`;
    const identities = ['a', 'b', 'c'].map((who) => ({
      approver: `${who}@example.com`,
      links: [
        { verdict: 'approve' as const, url: long(`${who}A`) },
        { verdict: 'reject' as const, url: long(`${who}R`) },
      ],
    }));
    const message = notificationMessage(
      { kind: 'escalated', timeout: '4h', actions },
      { ...where, links: { expiresAt: '2026-11-23T14:00:00.000Z', identities, more: 0 } },
    );
    for (const block of message.blocks) assert.ok(block.text.text.length <= 3_000, `${block.text.text.length}`);
    const all = message.blocks.map((b) => b.text.text).join('\n');
    for (const who of ['a', 'b', 'c']) {
      assert.ok(all.includes(`|Approve as ${who}@example.com>`) && all.includes(`|Reject as ${who}@example.com>`));
    }
  });

  it('keeps link labels from breaking out of their markup', () => {
    const links = {
      expiresAt: '2026-11-23T14:00:00.000Z',
      identities: [{ approver: '<!channel>|x]', links: [{ verdict: 'release' as const, url: 'https://r/links/t' }] }],
      more: 0,
    };
    const message = notificationMessage(
      { kind: 'completed', state: 'Contained', summary: 's', residualRisks: 0 },
      { ...where, links },
    );
    assert.ok(message.text.includes('[Release as \\<!channel\\>|x\\]](https://r/links/t)'), message.text);
    assert.ok(message.blocks[1]?.text.text.includes('<https://r/links/t|Release as &lt;!channel&gt;¦x]>'));
    assert.match(message.text, /Not an incident\? Undo the reversible steps/);
  });

  it('quotes a workflow id for the shell whatever it holds', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});
