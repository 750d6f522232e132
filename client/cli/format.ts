import { ACTION_KINDS, type ActionKind } from '../../domain/action.js';
import type { TriageCard } from '../../domain/card.js';
import type { Decision, Verdict } from '../../domain/decision.js';
import {
  approvedNotStarted,
  awaitsDecision,
  FINAL_ACTION_STATUSES,
  type ActionRecord,
  type PlaybookStatus,
  type Report,
} from '../../domain/report.js';
import { stateLabel } from '../../domain/outcome.js';
import { residualRisks } from '../../domain/residual.js';
import { irreversibleSteps, keptInForce, staysInForce } from '../../domain/release.js';
import { sweepLines, watchAlarm } from '../../domain/sweep-view.js';
import { bold, colored, layTable, paragraph, PIPED, type Column, type Terminal } from './layout.js';

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

/**
 * The human view of `revoker status`, laid out for a responder who has seconds to decide: the incident
 * and its alert, then what waits for them with the command that decides it, then whom it is about (each
 * principal's triage card), then the steps with why each was planned; the record (alerts, sweep,
 * decisions, residual risk, release) after that.
 */
export function formatStatus(status: PlaybookStatus | Report, options: StatusView = {}): string {
  const { program = 'revoker', terminal = PIPED, now = new Date().toISOString() } = options;
  const h = heading(terminal);
  const reference = status.handle ?? status.workflowId;
  const lines: string[] = [
    ...h(status.handle ? `Incident ${status.handle}  (${status.workflowId})` : `Playbook ${status.workflowId}`),
  ];
  const alarm = watchAlarm(status);
  if (alarm)
    lines.push(...paragraph(`${terminal.color ? colored('red', alarm) : alarm}: see Watch below`, terminal, 2));
  const first = status.alerts[0];
  const more = (status.alertCount ?? status.alerts.length) - 1;
  lines.push(
    ...pairs(
      [
        ['state', stateLabel(status)],
        ['severity', status.severity],
        ...(first ? [['alert', `${first.title}${more > 0 ? ` (and ${more} more: see Alerts)` : ''}`]] : []),
        ['started', status.startedAt],
        ...(status.finishedAt ? [['finished', status.finishedAt]] : []),
      ],
      terminal,
      2,
    ),
  );

  const waiting = awaitingDecision(status);
  if (waiting.length) {
    lines.push('', ...h(`Waiting for a decision (${waiting.length})`));
    for (const record of waiting) {
      lines.push(`  ${record.action.id}`);
      lines.push(...paragraph(record.action.description, terminal, 4));
      lines.push(...paragraph(`why: ${record.action.reason}`, terminal, 4, 5));
      const so = soFar(record);
      if (so) lines.push(...paragraph(so, terminal, 4));
      // Commands stay on one line, whatever the width, so they can be copied whole.
      lines.push(`    ${commandLine(program, 'approve', reference, [record.action.id])}`);
    }
    if (waiting.length > 1) {
      lines.push('  All of them at once:', `    ${commandLine(program, 'approve', reference, 'all')}`);
    }
    lines.push(
      ...paragraph(`To refuse, use "reject" in place of "approve". Add --reason '<why>' to record why.`, terminal, 2),
    );
  }

  lines.push('', ...h(`Principals (${status.principals.length})`));
  for (const principal of status.principals) {
    const earlier = principal.containedBy;
    const note = principal.error
      ? `${principal.error.type}: ${principal.error.message}`
      : earlier
        ? `already: ${earlier.action} of ${earlier.handle ?? earlier.incident} deleted it at ${earlier.at}`
        : (principal.allowlistReason ?? '');
    lines.push(...paragraph(`${principal.label}  ${principal.status}${note ? `  ${note}` : ''}`, terminal, 2, 2));
    if (principal.card) lines.push(...cardLines(principal.card, terminal));
  }

  lines.push('', ...h(`Actions (${status.actions.length})`));
  if (status.actions.length === 0) {
    lines.push(status.finishedAt ? '  none were needed' : '  not planned yet: triage is still reading the principals');
  } else {
    lines.push(
      ...layTable(
        STEP_COLUMNS,
        status.actions.map((r) => {
          const shown = shownStatus(r);
          return {
            cells: [`${ICON[shown]} ${shown}`, r.action.id, r.action.mode, actionResult(r)],
            details: [r.action.description, `why: ${r.action.reason}`],
          };
        }),
        { terminal, indent: 2, anchor: 'ACTION' },
      ),
    );
  }

  lines.push('', ...h(`Alerts (${status.alertCount ?? status.alerts.length})`));
  for (const alert of status.alerts) {
    lines.push(...paragraph(`${alert.severity}  ${alert.source}/${alert.id}  ${alert.title}`, terminal, 2, 2));
    lines.push(
      ...paragraph(
        `observed ${alert.observedAt}, received ${alert.receivedAt}${alert.link ? `  ${alert.link}` : ''}`,
        terminal,
        4,
      ),
    );
  }

  for (const section of sweepLines(status)) {
    lines.push('', ...h(section.heading), ...section.lines.flatMap((line) => paragraph(line, terminal, 2, 2)));
  }

  if (status.decisions.length) {
    lines.push('', ...h(`Decisions (${status.decisions.length})`));
    lines.push(...status.decisions.flatMap((d) => paragraph(`${d.at}  ${formatDecision(d)}`, terminal, 2, 2)));
  }

  // The list the report and chat count (domain/residual.ts); a closed incident's report has it as computed at its end.
  const risks = 'residualRisks' in status ? status.residualRisks : residualRisks(status, now);
  if (risks.length) {
    // The steps that wait lead the view already: here they are counted, not repeated.
    const waits = new Set(waiting.map((r) => r.action.id));
    const open = risks.filter((r) => !waits.has(r.action));
    const held = risks.length - open.length;
    lines.push('', ...h(`Residual risk (${risks.length}): what is still possible`));
    lines.push(...open.flatMap((r) => paragraph(`- ${r.action}: ${r.risk}`, terminal, 2, 2)));
    if (held) {
      const steps = held === 1 ? '1 step' : `${held} steps`;
      lines.push(...paragraph(`- ${steps} not done yet: waiting for a decision (above)`, terminal, 2, 2));
    }
  }

  if (status.releaseUntil) {
    lines.push(
      '',
      ...h(`Open for a release until ${status.releaseUntil} (false positive: undo what can be undone)`),
      `    ${commandLine(program, 'release', reference, 'all')} --reason '<why>'`,
    );
  }
  // Whenever a release could still come (it is accepted from the start), not only once contained.
  const staying = staysInForce(status.actions, status.sharedControls);
  if (staying.length) {
    lines.push(
      '',
      ...h('Held with other incidents (a release here leaves these in force until their last holder lets go)'),
    );
    lines.push(
      ...pairs(
        staying.map(({ control, heldBy }) => [control.action.id, stays(heldBy)]),
        terminal,
        2,
      ),
    );
  }
  const kept = keptInForce(status.actions);
  if (kept.length) {
    lines.push('', ...h('Kept in force (the last incident holding a control releases it)'));
    lines.push(
      ...pairs(
        kept.map(({ control, heldBy }) => [control.action.id, keptFor(heldBy)]),
        terminal,
        2,
      ),
    );
  }
  const irreversible = irreversibleSteps(status.actions);
  if (irreversible.length) {
    lines.push('', ...h('Irreversible (no release brings these back)'));
    lines.push(...irreversible.flatMap((step) => paragraph(`- ${step.description}`, terminal, 2, 2)));
  }
  return lines.join('\n');
}

export interface StatusView {
  /** The CLI's name in the printed commands. */
  program?: string;
  terminal?: Terminal;
  /** The moment the residual risk is reckoned at (tokens past their expiry are no risk any more); default now. */
  now?: string;
}

/** The steps of `revoker status`: ids and statuses whole, the result wrapped; on a narrow terminal the result, then the mode, go under the row. */
const STEP_COLUMNS: Column[] = [
  { header: 'STATUS', style: styleStatus },
  { header: 'ACTION' },
  { header: 'MODE', under: 2 },
  { header: 'RESULT', wrap: true, min: 24, under: 1 },
];

function styleStatus(cell: string): string {
  const shown = cell.split(' ')[1] as ShownStatus;
  if (shown === 'failed') return colored('red', cell);
  if (shown === 'done' || shown === 'already') return colored('green', cell);
  if (shown === 'awaiting-approval') return colored('yellow', cell);
  return cell;
}

/** How far a waiting step has got: approvals so far (four eyes), since when it waits, whether it was escalated. */
function soFar(record: ActionRecord): string | undefined {
  const parts = [
    ...(record.approvals?.length ? [`approved so far by ${record.approvals.map((a) => a.approver).join(', ')}`] : []),
    ...(record.awaitingSince ? [`waiting since ${record.awaitingSince}`] : []),
    ...(record.escalatedAt ? [`escalated at ${record.escalatedAt}`] : []),
  ];
  return parts.length ? parts.join('; ') : undefined;
}

/** A principal's triage card in a few lines: who it is, what it can reach, when it was last used. */
export function cardLines(card: TriageCard, terminal: Terminal): string[] {
  const { lastUsed } = card;
  const used = lastUsed
    ? [
        lastUsed.at,
        lastUsed.region ? `in ${lastUsed.region}` : '',
        lastUsed.service ? `on ${lastUsed.service}` : '',
        lastUsed.credential ? `with ${lastUsed.credential}` : '',
      ]
        .filter(Boolean)
        .join(' ')
    : '';
  const reach = [...card.reach, ...(card.reachMore ? [`… and ${card.reachMore} more`] : [])];
  return [
    ...paragraph(`${card.name} · ${card.kind}`, terminal, 4, 2),
    ...pairs(
      [
        ['id', card.id],
        ...(reach.length ? reach : ['nothing it can reach was read']).map((line, i) => [i === 0 ? 'reach' : '', line]),
        ...(used ? [['last used', used]] : []),
        ...(card.facts.length ? [['facts', card.facts.join(' · ')]] : []),
      ],
      terminal,
      4,
    ),
  ];
}

/** Two columns without headers: a name kept whole, its text wrapped beside it (or under it when narrow). */
export function pairs(rows: string[][], terminal: Terminal, indent: number): string[] {
  return layTable(PAIR_COLUMNS, rows, { terminal, indent, headers: false, separate: false });
}

const PAIR_COLUMNS: Column[] = [{ header: '' }, { header: '', wrap: true, min: 20, under: 1, label: '' }];

/** A heading, wrapped to the terminal and bold on a colour one. */
function heading(terminal: Terminal): (text: string) => string[] {
  return (text) => paragraph(text, terminal, 0, 2).map((line) => (terminal.color ? bold(line) : line));
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

/**
 * The residual risk of each kind of step in a few words, for the dry run's table (the full
 * sentence is in the report and `revoker status`). A Record, so a new kind cannot be forgotten.
 */
export const SHORT_RESIDUAL_RISK: Record<ActionKind, string> = Object.fromEntries(
  Object.entries(ACTION_KINDS).map(([kind, info]) => [kind, info.shortRisk]),
) as Record<ActionKind, string>;

/**
 * The dry run's table. On a narrow terminal the current state and the residual risk move under each
 * step, then the principal heads its steps instead of taking a column.
 */
const DRY_RUN_COLUMNS: Column[] = [
  { header: 'PRINCIPAL', wrap: true, min: 16, group: true },
  { header: 'PROVIDER' },
  { header: 'ACTION', wrap: true, min: 30 },
  { header: 'MODE' },
  { header: 'CURRENT STATE', wrap: true, min: 20, under: 1 },
  { header: 'EXPECTED EFFECT', wrap: true, min: 15 },
  { header: 'RESIDUAL RISK', wrap: true, min: 16, under: 2 },
];

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
export function formatDryRun(
  report: PlaybookStatus,
  options: { policy: string; fourEyes?: number; terminal?: Terminal },
): string {
  const terminal = options.terminal ?? PIPED;
  const alert = report.alerts[0];
  const lines = [
    ...paragraph(
      alert
        ? `Dry run of ${alert.source}/${alert.id} (${alert.severity}): ${alert.title}`
        : `Dry run (${report.severity})`,
      terminal,
      0,
      2,
    ),
    ...pairs(
      [
        ['policy', options.policy],
        ['rehearsal', `${report.workflowId} (nothing was changed)`],
      ],
      terminal,
      2,
    ),
    '',
  ];
  const rows = dryRunRows(report, options);
  if (rows.length === 0) {
    lines.push('No principal to contain and nothing planned.');
  } else {
    lines.push(...layTable(DRY_RUN_COLUMNS, rows, { terminal, anchor: 'ACTION' }));
  }

  const tally = dryRunTally(report);
  const verdict: string[] = [];
  if (tally.wouldChange) {
    const gated = tally.afterApproval ? ` (${tally.afterApproval} only once approved)` : '';
    verdict.push(`Would change: ${tally.wouldChange} of ${tally.steps} steps${gated}.`);
  } else if (tally.unreadable + tally.unexamined === 0) {
    verdict.push(
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
    verdict.push(
      `Could not read ${what} (see EXPECTED EFFECT): the real run would try again and may fail the same way.`,
    );
  }
  if (tally.allowlisted) {
    verdict.push(`Allowlisted: ${tally.allowlisted} principal${tally.allowlisted === 1 ? '' : 's'}, left alone.`);
  }
  lines.push('', ...verdict.flatMap((line) => paragraph(line, terminal, 0, 2)));
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
