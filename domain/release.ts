import { actionId, actionOf, ENDED_BY, RELEASE_OF, type ActionSpec } from './action.js';
import type { Severity } from './alert.js';
import { modeFor, notAnApprover, type Policy } from './policy.js';
import { awaitsDecision, FINAL_ACTION_STATUSES, type ActionRecord } from './report.js';

/** What a release request turns into: steps that undo containment, and waiting steps it calls off. */
export interface ReleasePlan {
  reversals: ActionRecord[];
  /** Containment steps still waiting for a decision: a release calls all of them off. */
  calledOff: ActionRecord[];
  /** Why the request cannot be applied; empty when it can (a release is applied whole or not at all). */
  problems: string[];
}

export interface ReleaseRequest {
  approver: string;
  actions: 'all' | string[];
  reason?: string;
  severity: Severity;
  /** False once the playbook's release window has closed. */
  open: boolean;
  /** Controls are held in the principals' ledgers, which decide at release whether Revoker made the change. */
  shared?: boolean;
}

const isFinal = (r: ActionRecord) => FINAL_ACTION_STATUSES.includes(r.status);

/** The step that would make this one's release impossible (a disabled key's deletion), if the plan has one. */
function deletionOf(record: ActionRecord, records: ActionRecord[]): ActionRecord | undefined {
  const kind = ENDED_BY[record.action.kind];
  if (!kind) return undefined;
  // Same target shape by construction: a kind ends one kind on the same target.
  const id = actionId({ kind, target: record.action.target } as ActionSpec);
  return records.find((r) => r.action.id === id);
}

/** Why a containment step cannot be undone now, or undefined when it can (or may, once it ends). */
function notReleasable(record: ActionRecord, records: ActionRecord[], shared = false): string | undefined {
  const { action } = record;
  if (action.reverses) return `${action.id} is itself a release step`;
  if (!RELEASE_OF[action.kind]) return `${action.id} cannot be undone: ${action.kind} is irreversible`;
  if (records.some((r) => r.action.reverses === action.id)) return `${action.id} is already being released`;
  if (awaitsDecision(record)) return undefined;
  // Found so by this incident, but perhaps made so by another one: the ledger knows, and answers at release.
  if (shared && record.status === 'already') return undefined;
  if (isFinal(record) && record.status !== 'done') {
    return record.status === 'already'
      ? `${action.id} changed nothing (it was already so before Revoker): nothing to undo`
      : `${action.id} ${record.status}: nothing to undo`;
  }
  const deletion = deletionOf(record, records);
  if (deletion?.status === 'done')
    return `${action.id}: the key was deleted by ${deletion.action.id} and cannot come back`;
  return undefined;
}

/**
 * Plans a release after a false positive: each reversible step that took effect (or is still
 * running) gets a step that undoes it, moded by the policy like any other step; steps still waiting
 * for a decision are called off. Irreversible steps stay as they are (the report lists them). Pure.
 */
export function planRelease(records: ActionRecord[], policy: Policy, request: ReleaseRequest): ReleasePlan {
  const problems: string[] = [];
  if (!request.open) problems.push('the release window has closed');
  if (records.length === 0) problems.push('the plan is not ready yet: query status and try again');
  const containment = records.filter((r) => !r.action.reverses);
  let chosen: ActionRecord[];
  if (request.actions === 'all') {
    chosen = containment.filter((r) => !awaitsDecision(r) && !notReleasable(r, records, request.shared));
  } else {
    const named = [...new Set(request.actions)];
    const unknown = named.filter((id) => !containment.some((r) => r.action.id === id));
    if (unknown.length) problems.push(`unknown action ids: ${unknown.join(', ')}`);
    chosen = containment.filter((r) => named.includes(r.action.id) && !awaitsDecision(r));
    problems.push(...chosen.flatMap((r) => notReleasable(r, records, request.shared) ?? []));
  }
  const calledOff = containment.filter(awaitsDecision);
  if (chosen.length === 0 && calledOff.length === 0 && records.length) {
    problems.push('nothing to release: no reversible step took effect');
  }
  const reversals = chosen
    .filter((r) => !notReleasable(r, records, request.shared))
    .map((record) => reversal(record, records, policy, request));
  const decidable = [...reversals.map((r) => r.action.kind), ...calledOff.map((r) => r.action.kind)];
  problems.push(...new Set(decidable.flatMap((kind) => notAnApprover(policy, kind, request.approver) ?? [])));
  return { reversals, calledOff, problems: [...new Set(problems)] };
}

function reversal(
  record: ActionRecord,
  records: ActionRecord[],
  policy: Policy,
  request: ReleaseRequest,
): ActionRecord {
  const kind = RELEASE_OF[record.action.kind];
  if (!kind) throw new Error(`${record.action.kind} has no release kind`);
  // Same target shape by construction: each release kind undoes exactly one containment kind.
  const spec = { kind, target: record.action.target } as ActionSpec;
  const mode = modeFor(policy, kind, request.severity);
  const deletion = deletionOf(record, records);
  const action = actionOf(spec, {
    principal: record.action.principal,
    mode,
    reason: `Release requested by ${request.approver}${request.reason ? ` (${request.reason})` : ''}: undoes ${record.action.id}.`,
    // A key whose deletion is still running must not come back: wait for it, then look again.
    dependsOn: [record.action.id, ...(deletion ? [deletion.action.id] : [])],
    reverses: record.action.id,
  });
  if (mode === 'skip')
    return { action, status: 'skipped', note: 'release skipped by policy', requestedBy: request.approver };
  return { action, status: mode === 'approval' ? 'awaiting-approval' : 'planned', requestedBy: request.approver };
}

/**
 * Why a planned release step must not run once the steps it depends on have ended, or undefined:
 * only a change Revoker made is undone, and never a deleted key's.
 */
export function releaseBlocker(record: ActionRecord, records: ActionRecord[], shared = false): string | undefined {
  const undone = records.find((r) => r.action.id === record.action.reverses);
  if (!undone) return `${String(record.action.reverses)} is not in the plan`;
  if (shared && undone.status === 'already') return undefined;
  if (undone.status === 'already') return `${undone.action.id} changed nothing (it was already so): left as found`;
  if (undone.status !== 'done') return `${undone.action.id} ${undone.status}: nothing to undo`;
  const deletion = deletionOf(undone, records);
  if (deletion?.status === 'done') return `the key was deleted by ${deletion.action.id}: it cannot come back`;
  return undefined;
}

/** Steps that took effect and that no release undoes, for the report. */
export function irreversibleSteps(records: ActionRecord[]): { action: string; description: string }[] {
  return records
    .filter((r) => r.status === 'done' && !r.action.reverses && !RELEASE_OF[r.action.kind])
    .map((r) => ({ action: r.action.id, description: r.action.description }));
}

/** Reversible steps a release would undo now: what release links and the UI offer. */
export function releasableSteps(records: ActionRecord[], shared = false): ActionRecord[] {
  const tookHold = (r: ActionRecord) => r.status === 'done' || (shared && r.status === 'already');
  return records.filter((r) => !r.action.reverses && tookHold(r) && !notReleasable(r, records, shared));
}

/** A control another incident also holds (`sharedWith`), so it stays in force when this incident lets go of it. */
export interface SharedControl {
  /** The containment step that holds the control. */
  control: ActionRecord;
  /** The other incidents (workflow ids) holding it. */
  heldBy: string[];
  /** After a release: the release step that left it in force. */
  keptBy?: ActionRecord;
}

/**
 * What a release here would leave in force, and because of which incidents: the steps it would undo
 * (or is undoing) that other incidents hold too. A control comes off only when its last holder releases it.
 */
export function staysInForce(records: ActionRecord[], shared = false): SharedControl[] {
  const releasable = new Set(releasableSteps(records, shared));
  return records.flatMap((control) => {
    if (control.action.reverses || !control.sharedWith?.length) return [];
    const release = records.find((r) => r.action.reverses === control.action.id);
    const ahead = release ? !isFinal(release) : releasable.has(control);
    return ahead ? [{ control, heldBy: control.sharedWith }] : [];
  });
}

/** After a release: the controls it left in force because other incidents still held them. */
export function keptInForce(records: ActionRecord[]): SharedControl[] {
  return records.flatMap((keptBy) => {
    const control = records.find((r) => r.action.id === keptBy.action.reverses);
    const kept = keptBy.status === 'skipped' && keptBy.sharedWith?.length;
    return control && kept ? [{ control, heldBy: keptBy.sharedWith ?? [], keptBy }] : [];
  });
}
