import type { ActionRecord, PlaybookStatus } from '../domain/report.js';

const STATUS_ICON: Record<ActionRecord['status'], string> = {
  planned: '⏳',
  'awaiting-approval': '✋',
  running: '▶️',
  verifying: '🔎',
  done: '✅',
  already: '✅',
  failed: '❌',
  skipped: '⏭️',
  rejected: '🚫',
};

/**
 * The "Current Details" markdown the Temporal UI shows on the workflow page: the plan, each step's
 * state, and the exact Signal JSON a responder pastes into "Send a Signal".
 */
export function renderDetails(status: PlaybookStatus): string {
  const lines = [
    `**${status.state}** · severity ${status.severity} · ${status.alerts.length} alert(s): ${status.alerts.map((a) => a.title).join('; ')}`,
    '',
    ...status.principals.map((p) => `- ${p.label}: ${p.status}${p.error ? ` — ${p.error.message}` : ''}`),
    '',
  ];
  if (status.actions.length) {
    lines.push('| | action | id | mode | result |', '|---|---|---|---|---|');
    for (const record of status.actions) {
      const { action } = record;
      const result = record.error?.message ?? record.verification?.evidence ?? record.note ?? record.observed ?? '';
      lines.push(
        `| ${STATUS_ICON[record.status]} ${record.status} | ${escapeCell(action.description)} | \`${action.id}\` | ${action.mode} | ${escapeCell(result)} |`,
      );
    }
  }
  const waiting = status.actions.filter((r) => r.status === 'awaiting-approval' && !r.decidedBy);
  if (waiting.length) {
    const ids = waiting.map((r) => r.action.id);
    lines.push(
      '',
      `**Waiting for you.** Send a Signal named \`approve\` (or \`reject\`) with:`,
      '',
      '```json',
      JSON.stringify({ approver: 'you@example.com', actions: ids, reason: 'why' }),
      '```',
      `or \`"actions": "all"\` for every waiting step.`,
    );
  }
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
