import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Alert } from './alert.js';
import type { DecideRequest, Decision, DecisionRequest } from './decision.js';
import type { PlaybookStatus } from './report.js';

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
/** Approve or reject and get the recorded decision back at once; refused whole, with the reason, when any part is wrong. */
export const decideUpdate = defineUpdate<Decision, [DecideRequest]>('decide');

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
  decide:
    'Approve, reject or release with an answer: {"verdict": "approve", "reject" or "release", "approver": "you@example.com", "actions": "all" or [...], "reason": "why"}; refused with the reason when an action id is unknown or not waiting.',
} as const;
