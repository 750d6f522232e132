import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { actionResult, formatDecision, formatDryRun, formatProgress, formatStatus, shellQuote } from './format.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { residualRisks } from '../../domain/residual.js';
import { MIN_COLUMNS } from './layout.js';
import {
  awaitingStatus,
  entraStatus,
  incidentStatus,
  rehearsal,
  withOthers,
  DEACTIVATE,
  DELETE,
  DENY,
  OTHER_INCIDENT,
  releasedStatus,
  sharedStatus,
  WORKFLOW_ID,
  withAction,
} from './status-fixture.js';

describe('formatStatus', () => {
  it('shows state, severity, alerts and principals', () => {
    const text = formatStatus(awaitingStatus());
    assert.match(
      text,
      /^Playbook contain\/aws\/123456789012\/user\/alice\n {2}state {5}AwaitingApproval\n {2}severity {2}high/,
    );
    assert.match(text, /Alerts \(1\)\n {2}high {2}splunk\/notable-42 {2}Access key used from a new ASN/);
    assert.match(text, /Principals \(1\)\n {2}IAM user alice \(123456789012\) {2}examined/);
  });

  it('reads a key an earlier incident deleted as Contained (already), naming that incident', () => {
    const status: PlaybookStatus = {
      ...awaitingStatus(),
      state: 'Contained',
      actions: [],
      principals: [
        {
          key: 'aws/123456789012/access-key/AKIAAAAAAAAAAAAAAAA1',
          label: 'access key AKIAAAAAAAAAAAAAAAA1 (123456789012)',
          status: 'contained',
          containedBy: { incident: WORKFLOW_ID, handle: 'INC-7F3K2Q', action: DELETE, description: 'd', at: 't' },
        },
      ],
    };
    const text = formatStatus(status);
    assert.match(text, /state {5}Contained \(already\)/);
    assert.match(text, new RegExp(`contained {2}already: ${DELETE} of INC-7F3K2Q deleted it at t`));
  });

  it('lists each action with icon, status, id, mode, result, description and why it was planned', () => {
    const text = formatStatus(awaitingStatus());
    const lines = text.slice(text.indexOf('Actions (3)')).split('\n');
    const row = (id: string) => lines.findIndex((line) => line.includes(` ${id} `) || line.endsWith(id));
    const done = lines[row(DEACTIVATE)] ?? '';
    assert.match(done, /^ {2}✔ done +aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1 +auto +aws:deactivate-key:\S+ verified$/);
    assert.match(lines[row(DEACTIVATE) + 1] ?? '', /^ +Deactivate access key AKIAAAAAAAAAAAAAAAA1 of IAM user alice/);
    assert.match(lines[row(DEACTIVATE) + 2] ?? '', /^ +why: Key AKIAAAAAAAAAAAAAAAA1 is active and may be the stolen/);
    assert.match(lines[row(DELETE)] ?? '', /^ {2}⧗ awaiting-approval +aws:delete-key:AKIAAAAAAAAAAAAAAAA1 +approval$/);
    assert.equal(
      done.indexOf(' auto '),
      (lines[row(DELETE)] ?? '').lastIndexOf(' approval'),
      'the mode column lines up',
    );
  });

  it('states the residual risk as domain/residual.ts counts it, the waiting steps counted but not repeated', () => {
    const status = awaitingStatus();
    const at = '2026-11-23T10:05:00.000Z';
    const text = formatStatus(status, { now: at });
    const section = text.slice(text.indexOf('Residual risk')).split('\n\n')[0] ?? '';
    assert.equal(
      section,
      [
        `Residual risk (${residualRisks(status, at).length}): what is still possible`,
        `  - ${DENY}: Sessions of roles assumed from this user are the role's, not the user's: contain those roles too.`,
        '  - 1 step not done yet: waiting for a decision (above)',
      ].join('\n'),
    );
    const report = {
      ...releasedStatus(),
      summary: '',
      irreversible: [],
      residualRisks: [{ action: 'x', risk: 'as reported' }],
    };
    assert.match(
      formatStatus(report),
      /Residual risk \(1\): what is still possible\n {2}- x: as reported/,
      'a report has its own',
    );
  });

  it('prints the exact command to approve what waits', () => {
    const text = formatStatus(awaitingStatus());
    assert.match(text, /Waiting for a decision \(1\)/);
    assert.ok(text.includes(`    revoker approve ${WORKFLOW_ID} --actions ${DELETE}\n`));
    assert.doesNotMatch(text, /--all/, 'one waiting action needs no "all" variant');
  });

  it('shows an approved action still waiting for its prerequisite as approved, with no approve command', () => {
    const status = withAction(awaitingStatus(), DELETE, { decidedBy: { approver: 'sam', at: '2026-11-23T10:01:00Z' } });
    status.decisions.push({ verdict: 'approve', approver: 'sam', actions: [DELETE], at: '2026-11-23T10:01:00Z' });
    const text = formatStatus(status);
    assert.match(text, /● approved +aws:delete-key:AKIAAAAAAAAAAAAAAAA1 +approval +approved by sam/);
    assert.match(text, /Decisions \(1\)\n {2}2026-11-23T10:01:00Z {2}sam approved aws:delete-key:AKIAAAAAAAAAAAAAAAA1/);
    assert.doesNotMatch(text, /Waiting for a decision/);
  });

  it('offers --all when several actions wait, and quotes ids the shell would split', () => {
    const status = awaitingStatus();
    status.workflowId = "contain/aws/123456789012/user/o'brien weird";
    for (const r of status.actions) if (r.action.id === DENY) r.status = 'awaiting-approval';
    const text = formatStatus(status);
    assert.match(text, /Waiting for a decision \(2\)/);
    assert.ok(text.includes(`revoker approve 'contain/aws/123456789012/user/o'\\''brien weird' --all`));
  });

  it('leads with what waits for a decision, then whom it is about (the triage card), then the steps', () => {
    const text = formatStatus(incidentStatus());
    const at = (heading: string) => text.indexOf(`\n${heading}`);
    assert.ok(at('Waiting for a decision (1)') > 0);
    assert.ok(at('Waiting for a decision (1)') < at('Principals (1)'));
    assert.ok(at('Principals (1)') < at('Actions (3)'));
    assert.ok(at('Actions (3)') < at('Alerts (1)'));
    assert.match(text, /\n {2}alert {5}Access key used from a new ASN\n/, 'the alert is named at the top');
    const waiting = text.slice(at('Waiting for a decision'), at('Principals'));
    assert.match(waiting, /\n {4}why: A stolen key must never be reactivated/);
    assert.match(waiting, /\n {4}revoker approve INC-7F3K2Q --actions aws:delete-key:AKIAAAAAAAAAAAAAAAA1\n/);
  });

  it("shows each principal's triage card: name, kind, canonical id, reach, last use and facts", () => {
    const text = formatStatus(incidentStatus());
    const card = text.slice(text.indexOf('Principals (1)'), text.indexOf('\nActions'));
    assert.equal(
      card,
      [
        'Principals (1)',
        '  IAM user alice (123456789012)  examined',
        '    alice · IAM user',
        '    id         arn:aws:iam::123456789012:user/alice',
        '    reach      AdministratorAccess',
        '               AmazonS3FullAccess (group data-engineers)',
        '               ReadBillingReports (group data-engineers, inline)',
        '    last used  2026-11-23T09:58:41Z in eu-west-1 on s3 with AKIAAAAAAAAAAAAAAAA1',
        '    facts      1 active, 0 inactive key · administrator (AdministratorAccess)',
        '',
      ].join('\n'),
    );
    const more = incidentStatus();
    const [principal] = more.principals;
    if (principal?.card) principal.card = { ...principal.card, reachMore: 4, lastUsed: undefined, facts: [] };
    assert.match(formatStatus(more), /\n {4}reach  AdministratorAccess\n(.*\n){2} {11}… and 4 more\n\nActions/);
    assert.doesNotMatch(formatStatus(more), /last used|facts/);
    assert.doesNotMatch(formatStatus(entraStatus()), /\n {4}id /, 'no card before discovery fills one');
  });

  it('says why there are no actions yet', () => {
    const status = { ...awaitingStatus(), actions: [], state: 'Triage' as const };
    assert.match(formatStatus(status), /Actions \(0\)\n {2}not planned yet/);
  });
});

describe('formatStatus of controls another incident holds', () => {
  const section = (text: string, heading: string) => text.slice(text.indexOf(heading)).split('\n\n')[0] ?? '';

  it('says before a release which controls stay in force and because of which incident', () => {
    const text = formatStatus(sharedStatus());
    const held = section(text, 'Held with other incidents');
    assert.equal(
      held,
      [
        'Held with other incidents (a release here leaves these in force until their last holder lets go)',
        `  ${DENY}  stays: also held by ${OTHER_INCIDENT}`,
      ].join('\n'),
      'the key is held by this incident alone: it comes back',
    );
    assert.doesNotMatch(text, /Kept in force/);
  });

  it('names nothing as staying when no other incident holds a control', () => {
    const alone = withAction(sharedStatus(), DENY, { sharedWith: undefined });
    assert.doesNotMatch(formatStatus(alone), /stays:|Held with other incidents/);
  });

  it('says after a release which steps were kept in force for the other incident', () => {
    const text = formatStatus(releasedStatus());
    const kept = section(text, 'Kept in force');
    assert.equal(
      kept,
      [
        'Kept in force (the last incident holding a control releases it)',
        `  ${DENY}  kept in force: also held by ${OTHER_INCIDENT}`,
      ].join('\n'),
    );
    const row = text.split('\n').find((line) => line.includes('aws:remove-user-deny:123456789012/alice')) ?? '';
    assert.match(row, /↷ skipped .* kept in force: also held by contain\/aws\/123456789012\/user\/alice\+gcp/);
    assert.doesNotMatch(text, /stays: also held by/, 'the release has run: nothing is left to preview');
  });

  it('names what a release would leave in force before containment ends too', () => {
    const waiting = withAction(awaitingStatus(), DENY, { sharedWith: [OTHER_INCIDENT] });
    const text = formatStatus({ ...waiting, sharedControls: true });
    assert.ok(text.includes(`  ${DENY}  stays: also held by ${OTHER_INCIDENT}`), text);
  });
});

describe('actionResult', () => {
  it('prefers the error, then the verification evidence, then the note', () => {
    const record = awaitingStatus().actions[0];
    assert.ok(record);
    assert.equal(
      actionResult({ ...record, error: { type: 'PermissionDeniedError', message: 'AccessDenied' }, note: 'n' }),
      'PermissionDeniedError: AccessDenied',
    );
    assert.equal(actionResult({ ...record, note: 'n' }), `${DEACTIVATE} verified`);
    assert.equal(actionResult({ ...record, verification: undefined, note: 'skipped by policy' }), 'skipped by policy');
  });
});

describe('formatDecision', () => {
  const at = '2026-11-23T10:01:00Z';

  it('says who approved what and why', () => {
    const text = formatDecision({ verdict: 'approve', approver: 'sam', actions: [DELETE], at, reason: 'confirmed' });
    assert.equal(text, `sam approved ${DELETE} ("confirmed")`);
    assert.equal(
      formatDecision({ verdict: 'approve', approver: 'kim', actions: [DELETE], at, verifiedBy: 'identity-token' }),
      `kim [verified: identity token] approved ${DELETE}`,
    );
  });

  it('says why a decision was ignored or only partly applied', () => {
    assert.equal(
      formatDecision({ verdict: 'reject', approver: 'kim', actions: [], at, ignored: 'unknown action ids: nope' }),
      "kim's reject was ignored: unknown action ids: nope",
    );
    assert.equal(
      formatDecision({ verdict: 'approve', approver: 'sam', actions: [DELETE], at, note: 'unknown action ids: nope' }),
      `sam approved ${DELETE}; not applied to the rest: unknown action ids: nope`,
    );
  });
});

describe('formatProgress', () => {
  it('prints the status and, once final, the result', () => {
    const record = awaitingStatus().actions[0];
    assert.ok(record);
    assert.equal(
      formatProgress({ ...record, status: 'running', verification: undefined }),
      `  ▸ running           ${DEACTIVATE}`,
    );
    assert.equal(formatProgress(record), `  ✔ done              ${DEACTIVATE}  ${DEACTIVATE} verified`);
  });
});

describe('shellQuote', () => {
  it('leaves safe words alone and single-quotes the rest', () => {
    assert.equal(shellQuote('aws:delete-key:AKIA1'), 'aws:delete-key:AKIA1');
    assert.equal(shellQuote('a b'), `'a b'`);
    assert.equal(shellQuote(`it's`), `'it'\\''s'`);
  });
});

describe('formatStatus and formatDryRun, for any alert title and any terminal of at least MIN_COLUMNS', () => {
  const word = fc.oneof(
    fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/),
    fc
      .array(fc.constantFrom(...'東京不審なサインイン山田'.split('')), { minLength: 1, maxLength: 20 })
      .map((c) => c.join('')),
    fc.constantFrom('🚨', '🔥🔥', '👩‍💻', 'naïve', 'e\u0301te\u0301'),
    fc.stringMatching(/^[A-Z0-9:/.-]{1,24}$/),
  );
  const title = fc.array(word, { minLength: 1, maxLength: 30 }).map((words) => words.join(' '));

  /** Commands stay whole, to be copied, and so does an id wider than the terminal on its own line. */
  const allowedPast = (line: string) =>
    /^ *revoker (approve|reject|release) /.test(line) || /^ *[\x21-\x7e]+$/.test(line);

  it('prints no line wider than the terminal', () => {
    fc.assert(
      fc.property(title, fc.integer({ min: MIN_COLUMNS, max: 250 }), (text, columns) => {
        const status = incidentStatus();
        const alert = status.alerts[0];
        if (alert) alert.title = text;
        const report = withOthers(rehearsal());
        const first = report.alerts[0];
        if (first) first.title = text;
        const terminal = { columns, color: false };
        for (const output of [formatStatus(status, { terminal }), formatDryRun(report, { policy: 'x', terminal })]) {
          for (const line of output.split('\n')) {
            assert.ok(stringWidth(line) <= columns || allowedPast(line), `${stringWidth(line)} > ${columns}: ${line}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
