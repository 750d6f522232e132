import { ACTION_KINDS, type ActionKind } from '../../domain/action.js';
import type { Decision, Verdict } from '../../domain/decision.js';
import {
  approvedNotStarted,
  awaitsDecision,
  FINAL_ACTION_STATUSES,
  type ActionRecord,
  type PlaybookStatus,
} from '../../domain/report.js';
import { irreversibleSteps, keptInForce, staysInForce } from '../../domain/release.js';
import { sweepLines, watchAlarm } from '../../domain/sweep-view.js';

/**
 * What a responder sees of an action. An approved action keeps the `awaiting-approval` status in
 * the workflow until its prerequisites finish; shown as `approved` so nobody approves it twice.
 */
export type ShownStatus = ActionRecord['status'] | 'approved';

// Single-width symbols rather than the UI's emoji, so the table's columns line up in a terminal.
const ICON: Record<ShownStatus, string> = {
  planned: '○',
  'awaiting-approval': '⧗',
  approved: '●',
  running: '▸',
  verifying: '⟳',
  done: '✔',
  already: '✔',
  failed: '✘',
  skipped: '↷',
  rejected: '⊘',
  previewed: '◇',
};

export function shownStatus(record: ActionRecord): ShownStatus {
  return approvedNotStarted(record) ? 'approved' : record.status;
}

/** The error, else the evidence of the verification, else why it did not run, else who approved it. */
export function actionResult(record: ActionRecord): string {
  if (record.error) return `${record.error.type}: ${record.error.message}`;
  if (record.preview) return `${record.preview.changes ? 'would change' : 'no change'}: ${record.preview.current}`;
  if (record.verification) return record.verification.evidence;
  if (record.note) return record.note;
  if (record.decidedBy) {
    const verdict = record.status === 'rejected' ? 'rejected' : 'approved';
    return `${verdict} by ${record.decidedBy.approver}${record.decidedBy.reason ? `: ${record.decidedBy.reason}` : ''}`;
  }
  return '';
}

export function awaitingDecision(status: PlaybookStatus): ActionRecord[] {
  return status.actions.filter(awaitsDecision);
}

/** The human view of `revoker status`. */
export function formatStatus(status: PlaybookStatus, program = 'revoker'): string {
  const lines: string[] = [
    status.handle ? `Incident ${status.handle}  (${status.workflowId})` : `Playbook ${status.workflowId}`,
  ];
  const alarm = watchAlarm(status);
  if (alarm) lines.push(`  ${alarm}: see Watch below`);
  lines.push(
    ...table([
      ['  state', status.state],
      ['  severity', status.severity],
      ['  started', status.startedAt],
      ...(status.finishedAt ? [['  finished', status.finishedAt]] : []),
    ]),
  );

  lines.push('', `Alerts (${status.alerts.length})`);
  for (const alert of status.alerts) {
    lines.push(`  ${alert.severity}  ${alert.source}/${alert.id}  ${alert.title}`);
    lines.push(`    observed ${alert.observedAt}, received ${alert.receivedAt}${alert.link ? `  ${alert.link}` : ''}`);
  }

  lines.push('', `Principals (${status.principals.length})`);
  lines.push(
    ...table(
      status.principals.map((p) => [
        `  ${p.label}`,
        p.status,
        p.error ? `${p.error.type}: ${p.error.message}` : (p.allowlistReason ?? ''),
      ]),
    ),
  );

  lines.push('', `Actions (${status.actions.length})`);
  if (status.actions.length === 0) {
    lines.push(status.finishedAt ? '  none were needed' : '  not planned yet: triage is still reading the principals');
  } else {
    // The description goes under its id rather than in a column: at ~140 characters it would push
    // the results off any terminal.
    const rows = table([
      ['  STATUS', 'ACTION', 'MODE', 'RESULT'],
      ...status.actions.map((r) => {
        const shown = shownStatus(r);
        return [`  ${ICON[shown]} ${shown}`, r.action.id, r.action.mode, actionResult(r)];
      }),
    ]);
    const indent = ' '.repeat((rows[0] ?? '').indexOf('ACTION'));
    lines.push(rows[0] ?? '');
    status.actions.forEach((r, i) => lines.push(rows[i + 1] ?? '', `${indent}${r.action.description}`));
  }

  for (const section of sweepLines(status)) {
    lines.push('', section.heading, ...section.lines.map((line) => `  ${line}`));
  }

  if (status.decisions.length) {
    lines.push('', `Decisions (${status.decisions.length})`);
    lines.push(...status.decisions.map((d) => `  ${d.at}  ${formatDecision(d)}`));
  }

  // What the provider still lets through after the steps that took effect, one line per kind of step.
  const effective = status.actions.filter((r) => r.status === 'done' || r.status === 'already');
  const risks = [...new Map(effective.map((r) => [r.action.kind, r.action.residualRisk])).values()];
  if (risks.length) {
    lines.push('', 'Residual risk (what revocation cannot do)');
    lines.push(...risks.map((risk) => `  - ${risk}`));
  }

  const waiting = awaitingDecision(status);
  if (waiting.length) {
    lines.push('', `Waiting for a decision (${waiting.length})`);
    for (const record of waiting) {
      lines.push(
        `  ${record.action.description}`,
        `    ${commandLine(program, 'approve', status.handle ?? status.workflowId, [record.action.id])}`,
      );
    }
    if (waiting.length > 1) {
      lines.push(
        '  All of them at once:',
        `    ${commandLine(program, 'approve', status.handle ?? status.workflowId, 'all')}`,
      );
    }
    lines.push(`  To refuse, use "reject" in place of "approve". Add --reason '<why>' to record why.`);
  }
  if (status.releaseUntil) {
    lines.push(
      '',
      `Open for a release until ${status.releaseUntil} (false positive: undo what can be undone)`,
      `    ${commandLine(program, 'release', status.handle ?? status.workflowId, 'all')} --reason '<why>'`,
    );
  }
  // Whenever a release could still come (it is accepted from the start), not only once contained.
  const staying = staysInForce(status.actions, status.sharedControls);
  if (staying.length) {
    lines.push('', 'Held with other incidents (a release here leaves these in force until their last holder lets go)');
    lines.push(...table(staying.map(({ control, heldBy }) => [`  ${control.action.id}`, stays(heldBy)])));
  }
  const kept = keptInForce(status.actions);
  if (kept.length) {
    lines.push('', 'Kept in force (the last incident holding a control releases it)');
    lines.push(...table(kept.map(({ control, heldBy }) => [`  ${control.action.id}`, keptFor(heldBy)])));
  }
  const irreversible = irreversibleSteps(status.actions);
  if (irreversible.length) {
    lines.push('', 'Irreversible (no release brings these back)');
    lines.push(...irreversible.map((step) => `  - ${step.description}`));
  }
  return lines.join('\n');
}

/** Before a release: why a control will stay in force. */
export const stays = (heldBy: string[]): string => `stays: also held by ${heldBy.join(', ')}`;

/** After a release: why a control did not come off (the playbook's own words for the release step). */
export const keptFor = (heldBy: string[]): string => `kept in force: also held by ${heldBy.join(', ')}`;

const VERIFIED: Record<NonNullable<Decision['verifiedBy']>, string> = {
  link: 'their one-click link',
  'identity-token': 'identity token',
};

/** One line per decision: who (and how Revoker verified them), what verdict, on what, and why it was ignored or only partly applied. */
export function formatDecision(decision: Decision): string {
  const verb = { approve: 'approved', reject: 'rejected', release: 'released' }[decision.verdict];
  const reason = decision.reason ? ` ("${decision.reason}")` : '';
  if (decision.ignored) return `${decision.approver}'s ${decision.verdict} was ignored: ${decision.ignored}${reason}`;
  const note = decision.note ? `; not applied to the rest: ${decision.note}` : '';
  const verified = decision.verifiedBy ? ` [verified: ${VERIFIED[decision.verifiedBy]}]` : '';
  return `${decision.approver}${verified} ${verb} ${decision.actions.join(', ')}${reason}${note}`;
}

/** A progress line while following actions after a decision. */
export function formatProgress(record: ActionRecord): string {
  const shown = shownStatus(record);
  const result = actionResult(record);
  return `  ${ICON[shown]} ${shown.padEnd(17)} ${record.action.id}${result ? `  ${result}` : ''}`;
}

export function commandLine(program: string, verdict: Verdict, workflowId: string, actions: string[] | 'all'): string {
  const what = actions === 'all' ? '--all' : `--actions ${actions.map(shellQuote).join(' ')}`;
  return `${program} ${verdict} ${shellQuote(workflowId)} ${what}`;
}

/** Quotes only when needed: ids are mostly shell-safe (`contain/aws/123/user/alice`), names may not be. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Left-aligned columns; the last column is not padded, so lines carry no trailing spaces. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join('  ')
      .trimEnd(),
  );
}

function width(text: string): number {
  return [...text].length;
}

/**
 * The residual risk of each kind of step in a few words, for the dry run's table (the full
 * sentence is in the report and `revoker status`). A Record, so a new kind cannot be forgotten.
 */
export const SHORT_RESIDUAL_RISK: Record<ActionKind, string> = Object.fromEntries(
  Object.entries(ACTION_KINDS).map(([kind, info]) => [kind, info.shortRisk]),
) as Record<ActionKind, string>;

/** How wide each column of the dry run's table may grow before its text wraps (long ids do not break). */
const DRY_RUN_COLUMNS = [
  { header: 'PRINCIPAL', width: 30 },
  { header: 'PROVIDER', width: 8 },
  { header: 'ACTION', width: 46 },
  { header: 'MODE', width: 11 },
  { header: 'CURRENT STATE', width: 36 },
  { header: 'EXPECTED EFFECT', width: 30 },
  { header: 'RESIDUAL RISK', width: 32 },
] as const;

/** What a dry run found, counted the way its exit code and summary line need. */
export function dryRunTally(report: PlaybookStatus) {
  const steps = report.actions.filter((r) => !r.action.reverses);
  const wouldChange = steps.filter((r) => r.preview?.changes);
  return {
    steps: steps.length,
    wouldChange: wouldChange.length,
    afterApproval: wouldChange.filter((r) => r.action.mode === 'approval').length,
    unchanged: steps.filter((r) => r.preview && !r.preview.changes).length,
    skipped: steps.filter((r) => r.status === 'skipped').length,
    unreadable: steps.filter((r) => r.status === 'failed').length,
    unexamined: report.principals.filter((p) => p.status === 'failed').length,
    allowlisted: report.principals.filter((p) => p.status === 'allowlisted').length,
  };
}

/**
 * One row per planned step, grouped by principal, plus a row for each principal the allowlist
 * exempts or triage could not read: what the real run would do to it, and what that leaves open.
 */
export function dryRunRows(report: PlaybookStatus, options: { fourEyes?: number } = {}): string[][] {
  const rows: string[][] = [];
  const shown = new Set<ActionRecord>();
  const stepRow = (record: ActionRecord, label: string): string[] => {
    const { action } = record;
    const mode =
      action.mode === 'approval' && action.destructive && (options.fourEyes ?? 1) > 1
        ? `approval ×${options.fourEyes}`
        : action.mode;
    return [
      label,
      action.provider,
      action.description,
      mode,
      record.preview?.current ?? '',
      expectedEffect(record),
      SHORT_RESIDUAL_RISK[action.kind],
    ];
  };
  for (const principal of report.principals) {
    const provider = principal.key.split('/')[0] ?? '';
    if (principal.status === 'allowlisted') {
      const reason = principal.allowlistReason ?? 'on the allowlist';
      rows.push([principal.label, provider, `none: ${reason}`, 'allowlisted', '', 'no change', 'not contained']);
      continue;
    }
    if (principal.status === 'failed') {
      const error = principal.error ? `${principal.error.type}: ${principal.error.message}` : 'could not be read';
      rows.push([principal.label, provider, 'none: could not examine it', '', '', `error: ${error}`, 'not contained']);
      continue;
    }
    const records = report.actions.filter((r) => r.action.principal === principal.key);
    records.forEach((record, i) => {
      shown.add(record);
      rows.push(stepRow(record, i === 0 ? principal.label : ''));
    });
  }
  // A step whose principal has no record (none should): listed all the same.
  for (const record of report.actions) if (!shown.has(record)) rows.push(stepRow(record, record.action.principal));
  return rows;
}

function expectedEffect(record: ActionRecord): string {
  if (record.error) return `error: ${record.error.type}: ${record.error.message}`;
  if (record.preview) return record.preview.changes ? 'would change' : 'no change';
  if (record.status === 'skipped') return `no change (${record.note ?? 'skipped'})`;
  return record.status;
}

/** The human view of `revoker dry-run`: what it rehearsed, the plan as a table, and a verdict. */
export function formatDryRun(report: PlaybookStatus, options: { policy: string; fourEyes?: number }): string {
  const alert = report.alerts[0];
  const lines = [
    alert
      ? `Dry run of ${alert.source}/${alert.id} (${alert.severity}): ${alert.title}`
      : `Dry run (${report.severity})`,
    ...table([
      ['  policy', options.policy],
      ['  rehearsal', `${report.workflowId} (nothing was changed)`],
    ]),
    '',
  ];
  const rows = dryRunRows(report, options);
  if (rows.length === 0) {
    lines.push('No principal to contain and nothing planned.');
  } else {
    lines.push(...wrappedTable(DRY_RUN_COLUMNS, rows));
  }

  const tally = dryRunTally(report);
  lines.push('');
  if (tally.wouldChange) {
    const gated = tally.afterApproval ? ` (${tally.afterApproval} only once approved)` : '';
    lines.push(`Would change: ${tally.wouldChange} of ${tally.steps} steps${gated}.`);
  } else if (tally.unreadable + tally.unexamined === 0) {
    lines.push(
      tally.steps
        ? `Nothing would change: ${tally.unchanged} of ${tally.steps} steps already hold${tally.skipped ? `, ${tally.skipped} skipped by policy` : ''}.`
        : 'Nothing would change.',
    );
  }
  if (tally.unreadable || tally.unexamined) {
    const what = [
      tally.unreadable ? `${tally.unreadable} step${tally.unreadable === 1 ? '' : 's'}` : '',
      tally.unexamined ? `${tally.unexamined} principal${tally.unexamined === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    lines.push(`Could not read ${what} (see EXPECTED EFFECT): the real run would try again and may fail the same way.`);
  }
  if (tally.allowlisted) {
    lines.push(`Allowlisted: ${tally.allowlisted} principal${tally.allowlisted === 1 ? '' : 's'}, left alone.`);
  }
  return lines.join('\n');
}

/** A progress line while a dry run runs, from the status it publishes. */
export function formatDryRunProgress(status: PlaybookStatus): string {
  if (status.actions.length === 0) {
    const read = status.principals.filter((p) => p.status !== 'discovering').length;
    return `  triage: ${read} of ${status.principals.length} principals read`;
  }
  const toRead = status.actions.filter((r) => r.status !== 'skipped');
  const read = toRead.filter((r) => FINAL_ACTION_STATUSES.includes(r.status)).length;
  return `  planned ${status.actions.length} steps; read ${read} of ${toRead.length} targets`;
}

/** `table`, with each cell wrapped at word boundaries to its column's width and rows parted by a blank line. */
export function wrappedTable(columns: readonly { header: string; width: number }[], rows: string[][]): string[] {
  const physical: string[][] = [columns.map((c) => c.header)];
  const starts: number[] = [];
  for (const row of rows) {
    const cells = row.map((cell, i) => wrap(cell, columns[i]?.width ?? Infinity));
    const height = Math.max(1, ...cells.map((c) => c.length));
    starts.push(physical.length);
    for (let line = 0; line < height; line++) physical.push(cells.map((c) => c[line] ?? ''));
  }
  const laid = table(physical);
  const multiline = physical.length - 1 > rows.length;
  return multiline ? laid.flatMap((line, i) => (i > 1 && starts.includes(i) ? ['', line] : [line])) : laid;
}

function wrap(text: string, limit: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && width(current) + 1 + width(word) > limit) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines;
}
