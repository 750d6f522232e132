import { irreversibleSteps, releasableSteps } from '../domain/release.js';
import type { PlaybookStatus } from '../domain/report.js';

/**
 * The "Current Details" markdown the Temporal UI shows under User Metadata: what waits for the
 * responder first, with the exact Signal JSON to paste into "Send a Signal", then the plan and each
 * step's state. Plain words, no emoji: the UI may run where no emoji font is installed.
 */
export function renderDetails(status: PlaybookStatus): string {
  const lines = [
    `**${status.state}** · severity ${status.severity} · ${status.alerts.length} alert(s): ${alertTitles(status)}`,
    '',
  ];
  const waiting = status.actions.filter((r) => r.status === 'awaiting-approval' && !r.decidedBy);
  if (waiting.length) {
    lines.push(
      `**Waiting for you (${waiting.length}).** Send a Signal named \`approve\` (or \`reject\`) with this input,`,
      `keeping the ids you decide, or \`"actions": "all"\`:`,
      '',
      '```json',
      JSON.stringify({ approver: 'you@example.com', actions: waiting.map((r) => r.action.id), reason: 'why' }, null, 2),
      '```',
      '',
    );
  }
  if (status.releaseUntil) {
    const releasable = releasableSteps(status.actions).map((r) => r.action.id);
    lines.push(
      `**False positive?** Until ${status.releaseUntil}, send a Signal named \`release\` to undo what can be undone`,
      `(${releasable.length} step(s); list ids to undo only some):`,
      '',
      '```json',
      JSON.stringify({ approver: 'you@example.com', actions: 'all', reason: 'why' }, null, 2),
      '```',
      '',
    );
  }
  const irreversible = irreversibleSteps(status.actions);
  if (irreversible.length) {
    lines.push(
      `Irreversible (no release brings these back): ${irreversible.map((i) => `\`${i.action}\``).join(', ')}`,
      '',
    );
  }
  lines.push(
    ...status.principals.map(
      (p) =>
        `- ${p.label}: ${p.status}${p.error ? ` — ${p.error.message}` : ''}${p.allowlistReason ? ` — ${p.allowlistReason}` : ''}`,
    ),
  );
  if (status.actions.length) {
    lines.push('', '| state | action | id | mode | result |', '|---|---|---|---|---|');
    for (const record of status.actions) {
      const { action } = record;
      const preview =
        record.preview && `${record.preview.changes ? 'would change' : 'no change'}: ${record.preview.current}`;
      const result =
        record.error?.message ?? preview ?? record.verification?.evidence ?? record.note ?? record.observed ?? '';
      const decided = record.decidedBy
        ? ` (by ${record.decidedBy.approver})`
        : record.escalatedAt
          ? ` (escalated ${record.escalatedAt})`
          : '';
      lines.push(
        `| ${record.status}${decided} | ${cell(action.description)} | \`${action.id}\` | ${action.mode} | ${cell(result)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Distinct titles, a few of them: a storm of one detection is one title with a count. */
function alertTitles(status: PlaybookStatus): string {
  const counts = new Map<string, number>();
  for (const alert of status.alerts) counts.set(alert.title, (counts.get(alert.title) ?? 0) + 1);
  const shown = [...counts].slice(0, 3).map(([title, n]) => (n > 1 ? `${title} (×${n})` : title));
  return [...shown, ...(counts.size > 3 ? [`and ${counts.size - 3} more`] : [])].join('; ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
