import type { ApprovalRules } from './approval-words.js';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { Alert } from './alert.js';
import type { DecideRequest, Decision, DecisionRequest } from './decision.js';
import type {
  GoneRequest,
  HoldAnswer,
  HoldRequest,
  Ledger,
  RecordRequest,
  ReleaseAnswer,
  ReleasedRequest,
} from './ledger.js';
import type { PlaybookStatus } from './report.js';
import { lazySchema } from './lazy-schema.js';

/** The holders of one control changed: `incident` is the recipient, the others hold it too. */
export interface HoldersChanged {
  incident: string;
  control: string;
  heldBy: string[];
}

// Signals rather than Updates for approvals because the Temporal Web UI's "Send a Signal" dialog is
// the responders' console; the payload is validated inside the workflow and every outcome, ignored
// ones included, is recorded in the status.
export const approveSignal = defineSignal<[DecisionRequest]>('approve');
export const rejectSignal = defineSignal<[DecisionRequest]>('reject');
/** After a false positive: undo the reversible steps named (or "all"), calling off those still waiting. */
export const releaseSignal = defineSignal<[DecisionRequest]>('release');
/** A further alert about the same principals, merged into the open playbook (signal-with-start). */
export const alertSignal = defineSignal<[Alert]>('alert');
export const statusQuery = defineQuery<PlaybookStatus>('status');

/** Alerts for one incident, batched by the webhook (one Update in flight per incident): update-with-start. */
export const IntakeRequest = lazySchema(() => z.strictObject({ alerts: z.array(Alert).min(1).max(500) }));
export type IntakeRequest = z.infer<typeof IntakeRequest>;
export type IntakeOutcome = 'started' | 'merged' | 'duplicate';
export const intakeUpdate = defineUpdate<{ outcomes: IntakeOutcome[]; runId: string }, [IntakeRequest]>('intake');
export const AlertPage = lazySchema(() =>
  z.strictObject({
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(10_000).default(1_000),
  }),
);
/** Every alert id the incident has had (`source:id`), a page at a time: the status lists only the latest. */
export const alertRefsQuery = defineQuery<{ total: number; refs: string[] }, [z.input<typeof AlertPage>?]>('alertRefs');
/** Which of these `source:id` refs the incident already has: how intake finds resends to a closed incident. */
export const hasAlertsQuery = defineQuery<boolean[], [string[]]>('hasAlerts');
/** Approve or reject and get the recorded decision back at once; refused whole, with the reason, when any part is wrong. */
export const decideUpdate = defineUpdate<Decision, [DecideRequest]>('decide');
/** The run's approval rules (`fourEyes`, `approvers` of its policy snapshot), for the one-click link page's words. */
export const approvalRulesQuery = defineQuery<ApprovalRules>('approvalRules');

/** Handler descriptions, listed by the Temporal UI and `temporal workflow metadata`. */
export const MESSAGE_DESCRIPTIONS = {
  approve:
    'Approve pending actions: {"approver": "you@example.com", "actions": "all" or ["action-id", ...], "reason": "why"}',
  reject:
    'Reject pending actions so they never run: {"approver": "you@example.com", "actions": "all" or ["action-id", ...], "reason": "why"}',
  release:
    'False positive: undo what can be undone (reactivate keys, remove deny policies, re-enable users, apps and service accounts) and call off waiting steps: {"approver": "you@example.com", "actions": "all" or ["action-id", ...], "reason": "why"}',
  alert: 'Merge another alert about the same principals into this playbook (sent by the webhook).',
  status: 'The plan, decisions and results so far.',
  intake: 'Alerts for this incident (sent by the webhook): answers started, merged or duplicate for each.',
  alertRefs: 'Every alert id of the incident, a page at a time: {"offset": 0, "limit": 1000}.',
  hasAlerts: 'Which of the given source:id refs the incident already has.',
  approvalRules: 'How many approvers a step needs and who may approve (fourEyes, approvers).',
  holders: "Sent by a principal's ledger when other incidents take or drop a control this playbook holds.",
  decide:
    'Approve, reject or release with an answer: {"verdict": "approve", "reject" or "release", "approver": "you@example.com", "actions": "all" or [...], "reason": "why"}; refused with the reason when an action id is unknown or not waiting.',
} as const;

// The principal's ledger (workflows/principal.ts): incidents hold and release controls through these
// Updates, sent by the ledger activities with update-with-start so the first holder creates it.
export const holdControlUpdate = defineUpdate<HoldAnswer, [HoldRequest]>('holdControl');
export const recordControlUpdate = defineUpdate<void, [RecordRequest]>('recordControl');
export const recordGoneUpdate = defineUpdate<void, [GoneRequest]>('recordGone');
export const releaseControlUpdate = defineUpdate<ReleaseAnswer, [HoldRequest]>('releaseControl');
export const releasedControlUpdate = defineUpdate<void, [ReleasedRequest]>('releasedControl');
export const ledgerQuery = defineQuery<Ledger>('ledger');
/** Sent by a principal to the incidents holding a control when its holders change, so their release previews stay true. */
export const holdersSignal = defineSignal<[HoldersChanged]>('holders');

export const PRINCIPAL_MESSAGE_DESCRIPTIONS = {
  holdControl: "An incident relies on a control (sent by Revoker's ledger activity).",
  recordControl: 'An incident says whether it made the change, found it so, or failed.',
  recordGone: 'A deletion made a control irreversible.',
  releaseControl: 'An incident lets go of a control; the answer says whether to keep, undo or leave it.',
  releasedControl: 'An incident finished undoing a control.',
  ledger: 'Every control in force on this principal and the incidents holding each.',
} as const;
