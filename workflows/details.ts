import type { TriageCard } from '../domain/card.js';
import { irreversibleSteps, releasableSteps } from '../domain/release.js';
import { awaitsDecision, type ActionRecord, type PlaybookStatus, type PrincipalRecord } from '../domain/report.js';
import { residualRisks } from '../domain/residual.js';
import { sweepLines, watchAlarm } from '../domain/sweep-view.js';
import { CODE_RUN, code, codeSpan, text } from '../domain/ui-markdown.js';

/**
 * The "Current Details" markdown the Temporal UI shows under User Metadata, read by a responder in ten seconds: what
 * waits for them first (with the exact Signal JSON to paste into "Send a Signal"), the messages that changed nothing
 * and why, then each principal's triage card followed by its steps, one short item each. Plain words, no emoji: the UI
 * may run where no emoji font is installed.
 *
 * It has to fit the UI's panel: 584 px wide at a 1280 px window (UI 2.42.1). The UI renders it in an iframe with no
 * stylesheet of its own (its style block arrives empty), so the browser's defaults apply: `pre` never wraps, and text
 * and code spans break only at spaces and hyphens, never at `/`, `:`, `.` or `_`. Hence no tables and no `pre` (the
 * Signal JSON is a code span a line), and any longer unbroken run shortened in its middle (test/e2e/ui-details.suite.ts
 * measures it in the UI).
 *
 * `now` is the workflow's clock in the playbook (Date is deterministic there): what still lingers is counted from it.
 */
export function renderDetails(status: PlaybookStatus, now = new Date().toISOString()): string {
  const blocks = [
    headline(status),
    alarm(status),
    waitingForYou(status),
    ignoredMessages(status),
    refusedParts(status),
    releaseOffer(status),
    planChanges(status),
    ...principalsWithSteps(status),
    residualRisk(status, now),
    ...sweepLines(status, 10).map((section) => [
      `**${text(section.heading)}**`,
      '',
      ...section.lines.map((line) => `- ${text(line)}`),
    ]),
  ];
  // The UI sizes its frame once, to the body's scrollHeight, which leaves out the margins that collapse through the
  // body: 30 px short, enough to hide the last line. A blank last paragraph is what goes unseen.
  return [...blocks, ['&#160;']]
    .filter((block) => block.length)
    .map((block) => block.join('\n'))
    .join('\n\n');
}

/** Workflow ids of other incidents are shown by their start: the CLI takes a unique start of an id. */
const WORKFLOW_ID_SHOWN = 32;

function headline(status: PlaybookStatus): string[] {
  const count = status.alertCount ?? status.alerts.length;
  return [
    `${status.handle ? `**${text(status.handle)}** · ` : ''}**${status.state}** · severity ${status.severity} · ` +
      `${count} alert(s): ${alertTitles(status)}`,
  ];
}

function alarm(status: PlaybookStatus): string[] {
  // A contained credential used after its cut-off comes before anything else.
  const alarm = watchAlarm(status);
  return alarm ? [`**${text(alarm)}.** See the watch below.`] : [];
}

function waitingForYou(status: PlaybookStatus): string[] {
  const waiting = status.actions.filter(awaitsDecision);
  if (!waiting.length) return [];
  const ids = waiting.map((r) => r.action.id);
  return [
    `**Waiting for you (${waiting.length}).** Send a Signal named \`approve\` (or \`reject\`) with this input,`,
    `keeping the ids you decide, or \`"actions": "all"\`:`,
    '',
    ...signalJson({ approver: 'you@example.com', reason: 'why', actions: ids }),
  ];
}

/**
 * The JSON to paste, one id a line so a responder deletes the lines of what they do not decide. Each line is a code span
 * ended by a hard break, not a `pre` block: a `pre` never wraps, and an id can be longer than the panel's line (a
 * service account's email), while a code span wraps at its hyphens. Copied, the lines are still JSON.
 */
function signalJson(input: { approver: string; reason: string; actions: string[] | 'all' }): string[] {
  const head = `{"approver": ${JSON.stringify(input.approver)}, "reason": ${JSON.stringify(input.reason)},`;
  const { actions } = input;
  const lines =
    typeof actions === 'string'
      ? [head, `"actions": ${JSON.stringify(actions)}}`]
      : [
          head,
          '"actions": [',
          ...actions.map((id, i) => `${JSON.stringify(id)}${i < actions.length - 1 ? ',' : ''}`),
          ']}',
        ];
  return joinLines(lines.map(codeSpan));
}

function ignoredMessages(status: PlaybookStatus): string[] {
  const ignored = status.ignored;
  if (!ignored?.count) return [];
  const shown = ignored.latest.slice(-3).reverse();
  const earlier = ignored.count - shown.length;
  return [
    `**Ignored ${ignored.count} message(s)** that changed nothing, latest first:`,
    '',
    ...shown.map(
      (m) => `- ${code(m.message)}${m.approver ? ` from ${text(m.approver)}` : ''} at ${when(m.at)}: ${text(m.reason)}`,
    ),
    ...(earlier > 0 ? [`- and ${earlier} earlier`] : []),
  ];
}

/** Decisions applied to some of the steps they named: the rest was refused, with why. */
function refusedParts(status: PlaybookStatus): string[] {
  const partial = status.decisions.filter((d) => d.note && !d.ignored).slice(-3);
  if (!partial.length) return [];
  return [
    '**Partly refused** (the rest was applied):',
    '',
    ...partial
      .reverse()
      .map(
        (d) =>
          `- ${code(d.verdict)} from ${text(d.approver)} at ${when(d.at)}, applied to ${d.actions.length} step(s): ${text(d.note ?? '')}`,
      ),
  ];
}

function releaseOffer(status: PlaybookStatus): string[] {
  const lines: string[] = [];
  if (status.releaseUntil) {
    const steps = releasableSteps(status.actions, status.sharedControls);
    const staying = steps.filter((r) => r.sharedWith?.length);
    lines.push(
      `**False positive?** Until ${when(status.releaseUntil)}, send a Signal named \`release\` to undo what can be undone`,
      `(${steps.length} step(s); list ids to undo only some):`,
      '',
      ...signalJson({ approver: 'you@example.com', reason: 'why', actions: 'all' }),
      ...(staying.length ? [''] : []),
      ...staying.map(
        (r) =>
          `- ${code(r.action.id)} stays in force after a release here: also held by ${(r.sharedWith ?? []).map(workflowRef).join(', ')}`,
      ),
    );
  }
  const irreversible = irreversibleSteps(status.actions);
  if (irreversible.length) {
    if (lines.length) lines.push('');
    lines.push(`Irreversible (no release brings these back): ${irreversible.map((i) => code(i.action)).join(', ')}`);
  }
  return lines;
}

function planChanges(status: PlaybookStatus): string[] {
  return (status.planChanges ?? []).map(
    (change) =>
      `Plan changed at ${when(change.at)}: alert ${code(change.alert)} raised the severity to ${change.severity}` +
      (change.runNow.length ? `, so ${change.runNow.length} waiting step(s) ran at once.` : '.'),
  );
}

/** Each principal's card, then its steps; steps of no listed principal come last. */
function principalsWithSteps(status: PlaybookStatus): string[][] {
  const listed = new Set(status.principals.map((p) => p.key));
  const blocks = status.principals.flatMap((principal) => {
    const steps = status.actions.filter((r) => r.action.principal === principal.key);
    return [principalCard(principal), steps.map(stepItem)];
  });
  const others = status.actions.filter((r) => !listed.has(r.action.principal));
  if (others.length) blocks.push(['**Other steps**'], others.map(stepItem));
  return blocks;
}

/** Hard line breaks (a trailing backslash) keep a card one block of short lines. */
function principalCard(principal: PrincipalRecord): string[] {
  const { card } = principal;
  // A card means discovery examined it: its status then says something only when it is not that.
  const state = [
    ...(card && principal.status === 'examined' ? [] : [principal.status]),
    ...(principal.error ? [text(principal.error.message)] : []),
    ...(principal.allowlistReason ? [text(principal.allowlistReason)] : []),
  ].join(' — ');
  if (!card) return [`**${text(principal.label)}** · ${state}`];
  return joinLines([
    `**${text(card.name)}** · ${text(card.kind)}${state ? ` · ${state}` : ''}`,
    code(card.id),
    ...reachLine(card),
    ...(card.lastUsed ? [lastUsedLine(card.lastUsed)] : []),
    ...(card.facts.length ? [card.facts.map(text).join(' · ')] : []),
  ]);
}

/** The first few reach lines in one line that wraps: the card keeps more, the rest are counted. */
function reachLine(card: TriageCard): string[] {
  const shown = card.reach.slice(0, 3);
  const more = card.reach.length - shown.length + (card.reachMore ?? 0);
  if (!shown.length) return [];
  return [`Reaches ${[...shown.map(text), ...(more > 0 ? [`and ${more} more`] : [])].join('; ')}`];
}

function lastUsedLine(used: NonNullable<TriageCard['lastUsed']>): string {
  const where = [
    used.region && ` in ${text(used.region)}`,
    used.service && ` on ${text(used.service)}`,
    used.credential && ` with ${code(used.credential)}`,
  ];
  return `Last used ${when(used.at)}${where.filter(Boolean).join('')}`;
}

/** One step: its state, mode and id; then what it does, why it was planned and what came of it. */
function stepItem(record: ActionRecord): string {
  const { action } = record;
  const decided = record.decidedBy
    ? ` (by ${text(record.decidedBy.approver)})`
    : record.escalatedAt
      ? ` (escalated ${when(record.escalatedAt)})`
      : '';
  const preview =
    record.preview && `${record.preview.changes ? 'would change' : 'no change'}: ${record.preview.current}`;
  const result =
    record.error?.message ?? preview ?? record.verification?.evidence ?? record.note ?? record.observed ?? '';
  return joinLines([
    `- **${record.status}**${decided} · ${action.mode} · ${code(action.id)}`,
    `  ${sentence(text(action.description))} *Why:* ${sentence(text(action.reason))}` +
      (result ? ` *Result:* ${text(result)}` : ''),
  ]).join('\n');
}

function sentence(value: string): string {
  return /[.!?]$/.test(value) ? value : `${value}.`;
}

/**
 * What is left after what happened (domain/residual.ts), less the steps that wait for a decision: those lead the panel
 * already, under "Waiting for you".
 */
function residualRisk(status: PlaybookStatus, now: string): string[] {
  const waiting = new Set(status.actions.filter(awaitsDecision).map((r) => r.action.id));
  const risks = residualRisks(status, now).filter((r) => !waiting.has(r.action));
  if (!risks.length) return [];
  return [`**Residual risk (${risks.length})**`, '', ...risks.map((r) => `- ${code(r.action)}: ${text(r.risk)}`)];
}

/** Distinct titles, a few of them: a storm of one detection is one title with a count. */
function alertTitles(status: PlaybookStatus): string {
  const counts = new Map<string, number>();
  for (const alert of status.alerts) counts.set(alert.title, (counts.get(alert.title) ?? 0) + 1);
  const shown = [...counts].slice(0, 3).map(([title, n]) => (n > 1 ? `${text(title)} (×${n})` : text(title)));
  return [...shown, ...(counts.size > 3 ? [`and ${counts.size - 3} more`] : [])].join('; ');
}

function joinLines(lines: string[]): string[] {
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\\` : line));
}

/** Another incident's workflow id, by its start when it is long: `revoker status` takes a unique start. */
function workflowRef(workflowId: string): string {
  return code(
    workflowId.length > WORKFLOW_ID_SHOWN + 8 ? `${workflowId.slice(0, WORKFLOW_ID_SHOWN)}…` : workflowId,
    CODE_RUN,
  );
}

/** An ISO time without its milliseconds, and with a space where the line may break. */
function when(iso: string | undefined): string {
  if (!iso) return 'unknown';
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]}Z` : text(iso);
}
