import type { Action } from './action.js';
import type { Severity } from './alert.js';
import type { TriageCard } from './card.js';
import type { Decision } from './decision.js';
import type { Watched } from './sweep-plan.js';
import type { Finding, TimelineEntry, WatchHit } from './sweep.js';

export type ActionStatus =
  | 'planned'
  | 'awaiting-approval'
  | 'running'
  | 'verifying'
  | 'done'
  | 'already'
  | 'failed'
  | 'skipped'
  | 'rejected'
  /** Dry run: the target's state was read, nothing was changed (see `preview`). */
  | 'previewed';

export const FINAL_ACTION_STATUSES: readonly ActionStatus[] = [
  'done',
  'already',
  'failed',
  'skipped',
  'rejected',
  'previewed',
];

/** What a dry run read of a step's target: whether the real run would change it, and what it is now. */
export interface Preview {
  changes: boolean;
  current: string;
}

export interface Verification {
  ok: boolean;
  /** What was re-read from the provider to prove it (or disprove it). */
  evidence: string;
  checkedAt: string;
}

export interface ActionRecord {
  action: Action;
  status: ActionStatus;
  /** The decision that released or rejected it, when it needed one. */
  decidedBy?: { approver: string; at: string; reason?: string };
  /** When the step began waiting for a decision: a run continued as new waits only what is left. */
  awaitingSince?: string;
  /** When the step waited a whole approval window without a decision and was escalated. */
  escalatedAt?: string;
  /** Approvals so far, when the step needs more than one (four eyes). */
  approvals?: { approver: string; at: string; reason?: string }[];
  startedAt?: string;
  finishedAt?: string;
  requestId?: string;
  /** What the provider showed before the change, e.g. "key was Active". */
  observed?: string;
  verification?: Verification;
  error?: { type: string; message: string };
  /** Why it did not run (skipped by policy, dependency failed, approval timed out). */
  note?: string;
  /** For a release step: who asked for the release (they cannot also be its approver). */
  requestedBy?: string;
  /** Dry run only. */
  preview?: Preview;
  /** Other open or closed incidents (workflow ids) holding the same control: a release here leaves it in force. */
  sharedWith?: string[];
  /** The step has ended and its principal's ledger is being told how (a moment; the incident closes after). */
  recording?: boolean;
}

/** Waits for a person: at its approval gate and not decided yet. The one test of "waiting for a decision". */
export function awaitsDecision(record: Pick<ActionRecord, 'status' | 'decidedBy'>): boolean {
  return record.status === 'awaiting-approval' && !record.decidedBy;
}

/**
 * Approved (by enough approvers, or by the policy) but not started: a decided step keeps the
 * `awaiting-approval` status until its prerequisites finish, and no longer waits for anyone.
 */
export function approvedNotStarted(record: Pick<ActionRecord, 'status' | 'decidedBy'>): boolean {
  return record.status === 'awaiting-approval' && record.decidedBy !== undefined;
}

export type PrincipalStatus =
  | 'discovering'
  | 'examined'
  | 'failed'
  | 'allowlisted'
  /** Gone already, deleted by an earlier incident (`containedBy`): nothing left to contain. */
  | 'contained';

export interface PrincipalRecord {
  key: string;
  label: string;
  status: PrincipalStatus;
  error?: { type: string; message: string };
  /** Why the policy's allowlist leaves this principal alone. */
  allowlistReason?: string;
  /** For a `contained` principal: the step of the earlier incident that deleted it. */
  containedBy?: EarlierCut;
  /** What discovery saw, for the responder (domain/card.ts); absent before discovery and in runs recorded before it. */
  card?: TriageCard;
}

/** A credential an earlier incident deleted: what a later alert naming it is told. */
export interface EarlierCut {
  /** The earlier incident's workflow id, and its handle when it has one. */
  incident: string;
  handle?: string;
  /** The step that deleted it, and when it ended. */
  action: string;
  description: string;
  at: string;
}

export interface AlertSummary {
  source: string;
  id: string;
  title: string;
  severity: Severity;
  observedAt: string;
  link?: string;
  receivedAt: string;
}

export type PlaybookState =
  | 'Triage'
  | 'AwaitingApproval'
  | 'Containing'
  | 'Contained'
  | 'PartiallyContained'
  | 'NotContained'
  | 'NothingToDo'
  | 'Releasing'
  | 'Released'
  | 'PartiallyReleased'
  /** A dry run: the plan and each target's current state, nothing changed. */
  | 'DryRun';

export interface PlaybookStatus {
  workflowId: string;
  /** The incident's short handle, `INC-7F3K2Q` (domain/handle.ts); absent in runs started before it. */
  handle?: string;
  /** Reversible controls are held in each principal's ledger (`principal/<key>`), shared with other incidents. */
  sharedControls?: boolean;
  /** A dry run reads and plans but changes nothing. */
  dryRun?: boolean;
  state: PlaybookState;
  severity: Severity;
  /** The first alert and the latest ones; `alertCount` counts them all (the `alertRefs` Query lists them). */
  alerts: AlertSummary[];
  /** Every distinct alert of the incident. Absent in the reports of runs recorded before it was kept (test/histories/*.v1.json). */
  alertCount?: number;
  principals: PrincipalRecord[];
  actions: ActionRecord[];
  decisions: Decision[];
  startedAt: string;
  /** When every containment step had ended; the playbook may stay open for a release until releaseUntil. */
  containedAt?: string;
  /** While contained: until when a `release` is accepted. */
  releaseUntil?: string;
  finishedAt?: string;
  /** Set when the incident was cancelled: the steps it had not finished say so. */
  cancelledAt?: string;
  /** Merged alerts that changed the plan: a higher severity, and the waiting steps it made run at once. */
  planChanges?: {
    alert: string;
    at: string;
    severity: Severity;
    runNow: string[];
    /** Principals the alert named that the incident did not cover yet: triaged, planned and contained. */
    added?: string[];
  }[];
  /** How many times the incident continued as new (its history grew long); the workflow id stays. */
  continuedAsNew?: number;
  /** Signals and Updates that changed nothing (bad payloads, refusals): how many, and the latest with why. */
  ignored?: { count: number; latest: IgnoredMessage[] };
  /** What the incident's credentials did, read from the audit trails after the first containment, and what it found. */
  sweep?: SweepRecord;
  /** After containment: the contained credentials watched for use after their cut-off. */
  watch?: WatchRecord;
}

/** The sweep: each read of a trail, the timeline of what the credentials did, and the findings with what became of them. */
export interface SweepRecord {
  /** `waiting` for the first containment; `swept` once every read ended (some may have failed: see `reads`). */
  state: 'waiting' | 'sweeping' | 'swept';
  /** The window last read. */
  window?: { since: string; until: string };
  /** How many sweeps ran: the first after containment, one more after each use seen by the watch. */
  rounds: number;
  /** The latest reads, one per account, tenant or project a round read. */
  reads: SweepRead[];
  /** What the trails recorded, oldest first (the first `TIMELINE_KEPT`; `timelineCount` counts them all). */
  timeline: TimelineEntry[];
  timelineCount: number;
  findings: FoundRecord[];
  findingCount: number;
}

export interface SweepRead {
  provider: 'aws' | 'entra' | 'gcp';
  scope: string;
  round: number;
  at: string;
  lookups: number;
  events: number;
  findings: number;
  /** The read stopped short (a page cap): it does not claim completeness. */
  incomplete?: string;
  /** The read failed (a permission missing, the trail unreachable): what to do about it. */
  error?: string;
}

/** A finding and what the incident did about it. */
export interface FoundRecord {
  finding: Finding;
  /** `principal`: triaged and planned like an alert's; `step`: one step; `known`: the incident had it already. */
  outcome: 'principal' | 'step' | 'known' | 'unplanned';
  /** The principal key or the action id. */
  ref?: string;
  note?: string;
}

/** The watch after containment. */
export interface WatchRecord {
  /** `quiet`: watched to the end and nothing seen; `used`: a contained credential was used after its cut-off. */
  state: 'watching' | 'quiet' | 'used' | 'stopped';
  credentials: Watched[];
  /** The latest cut-off of the watched credentials (each is watched from its own). */
  cutOff: string;
  until: string;
  polls: number;
  lastPolledAt?: string;
  /** The latest hits (`hitCount` counts them all; `refusedCount` those the provider refused). */
  hits: WatchHit[];
  hitCount: number;
  refusedCount: number;
  /** Trail events already counted (provider|eventId), so a re-read counts each once. */
  seen: string[];
  /** Reads that failed or stopped short, the latest. */
  gaps?: string[];
  /** Why it ended early (a release, a new alert, a cancellation). */
  stoppedBy?: string;
  /** The closing line of the report. */
  proof?: string;
}

/** Timeline entries kept in the status and report. */
export const TIMELINE_KEPT = 200;
/** Findings kept in the status and report. */
export const FINDINGS_KEPT = 100;

/** A message the playbook could not apply, with why. */
export interface IgnoredMessage {
  /** The Signal or Update name: approve, reject, release, alert, decide. */
  message: string;
  at: string;
  reason: string;
  approver?: string;
}

/** The playbook's return value: the basis of every notification and CLI view. */
export interface Report extends PlaybookStatus {
  summary: string;
  residualRisks: { action: string; risk: string }[];
  /** Steps that took effect and that no release can undo (deleted keys, removed secrets, revoked sessions…). */
  irreversible: { action: string; description: string }[];
}

/** What an activity that changes something returns. */
export interface StepOutcome {
  /** `already` when the target was found in the wanted state and nothing was changed. */
  outcome: 'done' | 'already';
  observed: string;
  requestId?: string;
}

/** What a verification activity returns after re-reading the provider's state. */
export interface CheckResult {
  ok: boolean;
  evidence: string;
}
