import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TriageCard } from '../domain/card.js';
import { planActions } from '../domain/plan.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { PlaybookStatus } from '../domain/report.js';
import { CODE_RUN, shortenRuns } from '../domain/ui-markdown.js';
import { renderDetails } from './details.js';

const ALICE = 'aws/123456789012/user/alice';

function status(): PlaybookStatus {
  const actions = planActions({
    severity: 'high',
    policy: DEFAULT_POLICY,
    discoveries: [
      {
        principal: ALICE,
        discovery: {
          type: 'aws.user',
          accountId: '123456789012',
          userName: 'alice',
          accessKeys: [{ accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' }],
        },
      },
    ],
  });
  return {
    workflowId: 'contain/aws/123456789012/user/alice',
    state: 'AwaitingApproval',
    severity: 'high',
    alerts: [{ source: 's', id: '1', title: 'Key | used', severity: 'high', observedAt: 't', receivedAt: 't' }],
    principals: [{ key: ALICE, label: 'IAM user alice (123456789012)', status: 'examined' }],
    actions: actions.map((action) =>
      action.mode === 'approval'
        ? { action, status: 'awaiting-approval' }
        : {
            action,
            status: 'done',
            verification: { ok: true, evidence: 'shows | Inactive', checkedAt: 't' },
          },
    ),
    decisions: [],
    startedAt: 't',
  };
}

const CARD: TriageCard = {
  name: 'alice',
  id: 'arn:aws:iam::123456789012:user/alice',
  kind: 'IAM user',
  reach: ['AdministratorAccess (attached)', 'ReadOnlyAccess via group auditors', 'inline s3-backup', 'inline kms-use'],
  reachMore: 2,
  lastUsed: { at: '2026-12-07T11:58:00Z', region: 'us-east-1', service: 's3', credential: 'AKIAAAAAAAAAAAAAAAA1' },
  facts: ['enabled', '1 active key'],
};

/** The JSON after `marker`: its lines are code spans ended by hard breaks, the way the panel shows them. */
function signalInput(text: string, marker: string): unknown {
  const after = text.slice(text.indexOf(marker)).split('\n');
  const start = after.findIndex((line) => line.startsWith('`{'));
  const lines: string[] = [];
  for (const line of after.slice(start)) {
    lines.push(line.replace(/\\$/, '').replace(/^`+|`+$/g, ''));
    if (!line.endsWith('\\')) break;
  }
  return JSON.parse(lines.join('\n'));
}

/** The markdown of one step's list item: its line and the line after it. */
function stepItem(text: string, id: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.startsWith('- ') && line.includes(`\`${id}\``));
  assert.ok(at >= 0, `no step ${id} in\n${text}`);
  return lines.slice(at, at + 2).join('\n');
}

describe('renderDetails', () => {
  it('leads with the incident handle, when the run has one', () => {
    const first = (text: string) => text.split('\n')[0] ?? '';
    assert.match(
      first(renderDetails({ ...status(), handle: 'INC-7F3K2Q' })),
      /^\*\*INC-7F3K2Q\*\* · \*\*AwaitingApproval\*\*/,
    );
    assert.match(first(renderDetails(status())), /^\*\*AwaitingApproval\*\*/, 'older runs have none');
  });

  it('puts the Signal JSON for what waits first, as valid JSON naming the waiting ids', () => {
    const text = renderDetails(status());
    assert.deepEqual(signalInput(text, 'Waiting for you (1)'), {
      approver: 'you@example.com',
      actions: ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1'],
      reason: 'why',
    });
    assert.ok(text.indexOf('Waiting for you (1)') < text.indexOf('- **'), 'before the steps');
  });

  it('lists each step with its state, mode, id, what it does, why, and its escaped result', () => {
    const text = renderDetails(status());
    const deactivate = stepItem(text, 'aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1');
    assert.match(deactivate, /^- \*\*done\*\* · auto · `aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1`\\\n {2}Deactivate/);
    assert.match(deactivate, /\*Why:\* Key AKIAAAAAAAAAAAAAAAA1 is active/);
    assert.match(deactivate, /\*Result:\* shows \\\| Inactive$/);
    assert.match(stepItem(text, 'aws:delete-key:AKIAAAAAAAAAAAAAAAA1'), /^- \*\*awaiting-approval\*\* · approval ·/);
    assert.doesNotMatch(text, /^\|/m, 'no table: it was wider than the panel');
  });

  it('says nothing is waiting once every step is decided, and who decided', () => {
    const decided = status();
    for (const record of decided.actions) record.decidedBy = { approver: 'sam', at: 't' };
    const text = renderDetails(decided);
    assert.doesNotMatch(text, /Waiting for you/);
    assert.match(text, /awaiting-approval\*\* \(by sam\)/);
  });

  it('offers the release Signal while the playbook is open for one, and names what cannot come back', () => {
    const contained = status();
    for (const record of contained.actions) record.status = 'done';
    Object.assign(contained, { state: 'Contained', containedAt: 't', releaseUntil: '2026-11-24T10:00:00.000Z' });
    const text = renderDetails(contained);
    assert.match(text, /Until 2026-11-24 10:00:00Z, send a Signal named `release`.*\n\(1 step\(s\)/);
    assert.deepEqual(signalInput(text, 'False positive?'), {
      approver: 'you@example.com',
      actions: 'all',
      reason: 'why',
    });
    assert.match(text, /Irreversible \(no release brings these back\): `aws:delete-key:AKIAAAAAAAAAAAAAAAA1`/);
  });

  it('shows each ignored message with its name, who sent it, when and why, the latest first', () => {
    const ignored = status();
    ignored.ignored = {
      count: 5,
      latest: [1, 2, 3, 4].map((n) => ({
        message: n === 4 ? 'release' : 'approve',
        at: `2026-12-07T12:0${n}:00.000Z`,
        reason: n === 4 ? 'release is closed' : 'invalid payload (actions: actions is "all" or a list)',
        ...(n === 4 ? {} : { approver: `mallory${n}@example.com` }),
      })),
    };
    const lines = renderDetails(ignored).split('\n');
    const at = lines.indexOf('**Ignored 5 message(s)** that changed nothing, latest first:');
    assert.ok(at > 0);
    assert.deepEqual(lines.slice(at + 2, at + 6), [
      '- `release` at 2026-12-07 12:04:00Z: release is closed',
      '- `approve` from mallory3@example.com at 2026-12-07 12:03:00Z: invalid payload (actions: actions is "all" or a list)',
      '- `approve` from mallory2@example.com at 2026-12-07 12:02:00Z: invalid payload (actions: actions is "all" or a list)',
      '- and 2 earlier',
    ]);
  });

  it('shows a decision refused in part with what was refused', () => {
    const partial = status();
    partial.decisions.push({
      verdict: 'approve',
      approver: 'sam@example.com',
      actions: ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1'],
      at: '2026-12-07T12:00:00.000Z',
      note: 'aws:nope is not in the plan',
    });
    assert.match(
      renderDetails(partial),
      /\*\*Partly refused\*\* \(the rest was applied\):\n\n- `approve` from sam@example\.com at 2026-12-07 12:00:00Z, applied to 1 step\(s\): aws:nope is not in the plan/,
    );
  });

  it("shows the principal's triage card before its steps, and its label when discovery gave none", () => {
    const withCard = status();
    withCard.principals = [{ ...withCard.principals[0]!, card: CARD }];
    const text = renderDetails(withCard);
    const card = text.slice(text.indexOf('**alice**'), text.indexOf('\n\n', text.indexOf('**alice**')));
    assert.deepEqual(card.split('\n'), [
      '**alice** · IAM user\\',
      '`arn:aws:iam::123456789012:user/alice`\\',
      'Reaches AdministratorAccess (attached); ReadOnlyAccess via group auditors; inline s3-backup; and 3 more\\',
      'Last used 2026-12-07 11:58:00Z in us-east-1 on s3 with `AKIAAAAAAAAAAAAAAAA1`\\',
      'enabled · 1 active key',
    ]);
    assert.ok(text.indexOf(card) < text.indexOf('- **done**'), 'the card comes before its steps');
    assert.match(renderDetails(status()), /^\*\*IAM user alice \(123456789012\)\*\* · examined$/m);
    withCard.principals[0]!.status = 'allowlisted';
    withCard.principals[0]!.allowlistReason = 'break-glass account';
    assert.match(renderDetails(withCard), /^\*\*alice\*\* · IAM user · allowlisted — break-glass account\\$/m);
  });

  it('ends the steps with the residual risk of what happened, leaving out what still waits for a decision', () => {
    const at = '2026-12-07T12:00:00.000Z';
    const waiting = status();
    for (const record of waiting.actions) Object.assign(record, { startedAt: at, finishedAt: at });
    const risk = (text: string) => text.slice(text.indexOf('**Residual risk'));
    const now = '2026-12-07T12:05:00.000Z';
    assert.match(
      risk(renderDetails(waiting, now)),
      /^\*\*Residual risk \(1\)\*\*\n\n- `aws:deny-user-sessions:123456789012\/alice`: Sessions of roles assumed/,
    );
    assert.doesNotMatch(renderDetails(waiting, now), /waiting for a decision/, 'Waiting for you says so already');

    const rejected = waiting.actions.find((r) => r.action.id === 'aws:delete-key:AKIAAAAAAAAAAAAAAAA1')!;
    Object.assign(rejected, { status: 'rejected', decidedBy: { approver: 'sam', at } });
    assert.match(
      risk(renderDetails(waiting, now)),
      /^\*\*Residual risk \(2\)\*\*\n\n(- .*\n)*- `aws:delete-key:AKIAAAAAAAAAAAAAAAA1`: Not done \(rejected by sam\)/,
    );
  });

  it('keeps steps of a principal it does not list, under their own heading', () => {
    const orphan = status();
    orphan.principals = [];
    assert.match(renderDetails(orphan), /\*\*Other steps\*\*\n\n- \*\*done\*\*/);
  });

  it('escapes what comes from outside, so a title is neither a link nor a tag', () => {
    const hostile = status();
    hostile.alerts[0]!.title = 'Approve at https://evil.example or www.evil.example <img src=x> [here](https://e) `x';
    hostile.decisions.push({ verdict: 'approve', approver: 'a`b', actions: [], at: 't', note: 'n' });
    const text = renderDetails(hostile);
    const first = text.split('\n')[0] ?? '';
    assert.doesNotMatch(first, /https:\/\/|www\.|[^\\][<[`]/, first);
    assert.match(first, /\\<img src=x\\> \\\[here\\\]\(https\\:\/\/e\) \\`x$/);
  });

  it('leaves no unbroken run the panel cannot hold: long ids, ARNs and workflow ids are shortened in the middle', () => {
    const long = status();
    const otherIncident = `contain/${'p'.repeat(260)}`;
    for (const record of long.actions) {
      record.status = 'done';
      record.sharedWith = [otherIncident];
    }
    Object.assign(long, { sharedControls: true, releaseUntil: '2026-11-24T10:00:00.000Z' });
    long.principals = [
      {
        ...long.principals[0]!,
        card: { ...CARD, id: `arn:aws:iam::123456789012:user/${'division/'.repeat(12)}alice` },
        error: { type: 'X', message: `see https://aka.ms/${'a'.repeat(100)}/troubleshoot` },
      },
    ];
    const text = renderDetails(long);
    const runs = text.match(/[^\s-]+/g) ?? [];
    const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
    // A code span's run has its backticks around it.
    assert.ok(longest.length <= CODE_RUN + 4, `${longest.length}: ${longest}`);
    const held = /also held by `([^`]+)…`/.exec(text)?.[1] ?? '';
    assert.ok(held.length >= 16 && otherIncident.startsWith(held), `another incident by the start of its id: ${held}`);
    assert.match(text, /`arn:aws:iam::123456789012:[^`]*…[^`]*\/alice`\\/);
  });
});

describe('shortenRuns', () => {
  it('keeps the start and the end of a run longer than the limit, and leaves breakable text alone', () => {
    assert.equal(shortenRuns('abcdefghij', 5), 'ab…ij');
    assert.equal(shortenRuns('abcd-efgh ijkl', 4), 'abcd-efgh ijkl');
    assert.equal(shortenRuns('x'.repeat(57), 56).length, 56);
  });
});
