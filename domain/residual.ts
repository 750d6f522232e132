import { ACTION_KINDS, type ActionKind, type Afterwards } from './action.js';
import { durationMs } from './duration.js';
import type { ActionRecord, PlaybookStatus } from './report.js';

/** One thing still possible after the incident, and the step (or principal) it comes from. */
export interface ResidualRisk {
  /** The action id, or the principal key for a principal that was never examined. */
  action: string;
  risk: string;
}

/**
 * The incident's residual risk, from what happened rather than from the kinds of its steps: what each step that took
 * effect leaves behind (tokens issued before its cut-off, until when), less what later steps ended; what was planned
 * and did not take effect; the principals that could not be examined. A dry run states what each change would leave.
 * One list, counted the same in the report, chat, the CLI and Current Details.
 *
 * `now` is the moment it is computed (the workflow's clock): lingering tokens past their expiry are no risk any more.
 */
export function residualRisks(
  status: Pick<PlaybookStatus, 'actions' | 'principals'> & { dryRun?: boolean },
  now: string,
): ResidualRisk[] {
  const risks: ResidualRisk[] = [];
  const records = status.actions;
  const took = records.filter(tookEffect);
  const released = new Set(took.flatMap((r) => (r.action.reverses ? [r.action.reverses] : [])));
  /** Kinds that took effect on each principal (and were not released since). */
  const effective = new Map<string, Set<ActionKind>>();
  for (const r of took) {
    if (r.action.reverses || released.has(r.action.id)) continue;
    const kinds = effective.get(r.action.principal) ?? new Set<ActionKind>();
    kinds.add(r.action.kind);
    effective.set(r.action.principal, kinds);
  }
  const doneOn = (record: ActionRecord, kinds: ActionKind[] | undefined) =>
    (kinds ?? []).some((k) => effective.get(record.action.principal)?.has(k));
  /** What lingers, one line per principal and lingering phrase: the earliest cut-off ends it for every later step. */
  /** `always` risks already listed: one line however many steps share it. */
  const said = new Set<string>();
  const lingering = new Map<string, { record: ActionRecord; cutOff: number; forMs: number; phrase: string }>();

  for (const record of records) {
    const { action } = record;
    if (status.dryRun) {
      if (record.preview?.changes) risks.push({ action: action.id, risk: action.residualRisk });
      continue;
    }
    if (action.reverses) {
      // A release that ran says what came back (the credential works again: that was the point).
      if (tookEffect(record)) risks.push({ action: action.id, risk: action.residualRisk });
      continue;
    }
    if (!tookEffect(record)) {
      const why = notDone(record);
      if (why) risks.push({ action: action.id, risk: `Not done (${why}): ${action.description}.` });
      continue;
    }
    if (released.has(action.id)) continue;
    const after = (ACTION_KINDS[action.kind] as { afterwards?: Afterwards<ActionKind>; lingers?: string }).afterwards;
    const lingers = after?.for ?? (ACTION_KINDS[action.kind] as { lingers?: string }).lingers;
    const cutOff = Date.parse(record.finishedAt ?? record.startedAt ?? now);
    if (after?.lingering && lingers && !doneOn(record, after.cutBy)) {
      const key = `${action.principal}\n${after.lingering}`;
      const earlier = lingering.get(key);
      if (!earlier || cutOff < earlier.cutOff) {
        lingering.set(key, { record, cutOff, forMs: durationMs(lingers), phrase: after.lingering });
      }
    }
    if (after?.remains && !doneOn(record, after.unless)) risks.push({ action: action.id, risk: after.remains });
    if (after?.always && !said.has(after.always)) {
      said.add(after.always);
      risks.push({ action: action.id, risk: after.always });
    }
  }
  const nowMs = Date.parse(now);
  for (const { record, cutOff, forMs, phrase } of lingering.values()) {
    const until = cutOff + forMs;
    if (!(until > nowMs)) continue;
    const found = record.status === 'already' ? ' (found already cut then)' : '';
    risks.push({
      action: record.action.id,
      risk: `${capitalized(phrase)} issued before ${clock(cutOff, nowMs, true)}${found} stay valid until about ${clock(until, cutOff)}.`,
    });
  }
  for (const principal of status.principals) {
    if (principal.status === 'failed') {
      risks.push({
        action: principal.key,
        risk: `${principal.label} could not be examined: nothing was contained for it.`,
      });
    }
  }
  return risks;
}

function tookEffect(record: ActionRecord): boolean {
  return record.status === 'done' || record.status === 'already';
}

/** Why a containment step that did not take effect did not: undefined while it may still run. */
function notDone(record: ActionRecord): string | undefined {
  switch (record.status) {
    case 'failed':
      return 'failed';
    case 'rejected':
      return record.decidedBy ? `rejected by ${record.decidedBy.approver}` : 'rejected';
    case 'skipped':
      return record.note ?? 'skipped';
    case 'awaiting-approval':
      return record.decidedBy ? undefined : 'waiting for a decision';
    default:
      return undefined;
  }
}

/** `05:44:01 UTC` (`05:44 UTC` without seconds), with the date when it is another day than `reference`'s. */
function clock(ms: number, reference: number, seconds = false): string {
  const iso = new Date(ms).toISOString();
  const sameDay = new Date(reference).toISOString().slice(0, 10) === iso.slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, seconds ? 19 : 16)} UTC`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
