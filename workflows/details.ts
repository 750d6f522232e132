import { irreversibleSteps, releasableSteps } from '../domain/release.js';
import { awaitsDecision, type PlaybookStatus } from '../domain/report.js';
import { sweepLines, watchAlarm } from '../domain/sweep-view.js';

/**
 * The "Current Details" markdown the Temporal UI shows under User Metadata: what waits for the
 * responder first, with the exact Signal JSON to paste into "Send a Signal", then the plan and each
 * step's state. Plain words, no emoji: the UI may run where no emoji font is installed.
 */
export function renderDetails(status: PlaybookStatus): string {
  const lines = [
    `${status.handle ? `**${status.handle}** · ` : ''}**${status.state}** · severity ${status.severity} · ${status.alerts.length} alert(s): ${alertTitles(status)}`,
    '',
  ];
  // A contained credential used after its cut-off comes before anything else.
  const alarm = watchAlarm(status);
  if (alarm) lines.push(`**${alarm}.** See the watch below.`, '');
  const waiting = status.actions.filter(awaitsDecision);
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
    const steps = releasableSteps(status.actions, status.sharedControls);
    const releasable = steps.map((r) => r.action.id);
    const staying = steps.filter((r) => r.sharedWith?.length);
    lines.push(
      `**False positive?** Until ${status.releaseUntil}, send a Signal named \`release\` to undo what can be undone`,
      `(${releasable.length} step(s); list ids to undo only some):`,
      '',
      '```json',
      JSON.stringify({ approver: 'you@example.com', actions: 'all', reason: 'why' }, null, 2),
      '```',
      '',
      ...staying.map(
        (r) =>
          `- \`${r.action.id}\` stays in force after a release here: also held by ${r.sharedWith?.map((i) => `\`${i}\``).join(', ')}`,
      ),
      ...(staying.length ? [''] : []),
    );
  }
  for (const change of status.planChanges ?? []) {
    lines.push(
      `Plan changed at ${change.at}: alert \`${cell(change.alert)}\` raised the severity to ${change.severity}` +
        (change.runNow.length ? `, so ${change.runNow.length} waiting step(s) ran at once.` : '.'),
    );
  }
  if (status.planChanges?.length) lines.push('');
  if (status.ignored?.count) {
    const latest = status.ignored.latest.at(-1);
    lines.push(
      `**Ignored ${status.ignored.count} message(s)** that changed nothing. Latest: \`${latest?.message ?? ''}\`` +
        `${latest?.approver ? ` from ${cell(latest.approver)}` : ''} at ${latest?.at ?? ''}: ${cell(latest?.reason ?? '')}`,
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
  for (const section of sweepLines(status, 10)) {
    lines.push('', `**${section.heading}**`, '', ...section.lines.map((line) => `- ${cell(line)}`));
  }
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
