import type { Decision, Verdict } from '../../domain/decision.js';
import type { ActionRecord, PlaybookStatus } from '../../domain/report.js';
import { irreversibleSteps } from '../../domain/release.js';

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
  return record.status === 'awaiting-approval' && record.decidedBy ? 'approved' : record.status;
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
  return status.actions.filter((r) => r.status === 'awaiting-approval' && !r.decidedBy);
}

/** The human view of `revoker status`. */
export function formatStatus(status: PlaybookStatus, program = 'revoker'): string {
  const lines: string[] = [`Playbook ${status.workflowId}`];
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
        `    ${commandLine(program, 'approve', status.workflowId, [record.action.id])}`,
      );
    }
    if (waiting.length > 1) {
      lines.push('  All of them at once:', `    ${commandLine(program, 'approve', status.workflowId, 'all')}`);
    }
    lines.push(`  To refuse, use "reject" in place of "approve". Add --reason '<why>' to record why.`);
  }
  if (status.releaseUntil) {
    lines.push(
      '',
      `Open for a release until ${status.releaseUntil} (false positive: undo what can be undone)`,
      `    ${commandLine(program, 'release', status.workflowId, 'all')} --reason '<why>'`,
    );
  }
  const irreversible = irreversibleSteps(status.actions);
  if (irreversible.length) {
    lines.push('', 'Irreversible (no release brings these back)');
    lines.push(...irreversible.map((step) => `  - ${step.description}`));
  }
  return lines.join('\n');
}

/** One line per decision: who, what verdict, on what, and why it was ignored or only partly applied. */
export function formatDecision(decision: Decision): string {
  const verb = { approve: 'approved', reject: 'rejected', release: 'released' }[decision.verdict];
  const reason = decision.reason ? ` ("${decision.reason}")` : '';
  if (decision.ignored) return `${decision.approver}'s ${decision.verdict} was ignored: ${decision.ignored}${reason}`;
  const note = decision.note ? `; not applied to the rest: ${decision.note}` : '';
  return `${decision.approver} ${verb} ${decision.actions.join(', ')}${reason}${note}`;
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
