import { DecideRequest, DecisionRequest, type Decision, type Verdict } from '../domain/decision.js';
import type { ActionRecord } from '../domain/report.js';

/**
 * Applies an approve/reject request to the plan and returns the decision as recorded. Pure, so the
 * rules are unit-tested; the workflow only calls it from its signal handlers. Only actions that
 * wait for approval can be decided, and only once: the first decision stands.
 */
export function applyDecision(records: ActionRecord[], verdict: Verdict, payload: unknown, at: string): Decision {
  const parsed = DecisionRequest.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`);
    return {
      verdict,
      approver: approverOf(payload),
      actions: [],
      at,
      ignored: `invalid payload (${issues.join('; ')})`,
    };
  }
  const { approver, reason, actions } = parsed.data;
  const decision: Decision = { verdict, approver, actions: [], at, ...(reason ? { reason } : {}) };
  if (records.length === 0) return { ...decision, ignored: 'the plan is not ready yet: query status and try again' };

  const undecided = records.filter((r) => r.status === 'awaiting-approval' && !r.decidedBy);
  const wanted = actions === 'all' ? undecided.map((r) => r.action.id) : [...new Set(actions)];
  const unknown = wanted.filter((id) => !records.some((r) => r.action.id === id));
  const settled = wanted.filter((id) => !unknown.includes(id) && !undecided.some((r) => r.action.id === id));
  const applied = undecided.filter((r) => wanted.includes(r.action.id));

  for (const record of applied) {
    record.decidedBy = { approver, at, ...(reason ? { reason } : {}) };
    if (verdict === 'reject') {
      record.status = 'rejected';
      record.finishedAt = at;
    }
  }
  const problems = [
    unknown.length ? `unknown action ids: ${unknown.join(', ')}` : '',
    settled.length ? `not awaiting a decision: ${settled.join(', ')}` : '',
    wanted.length === 0 ? 'no action is awaiting a decision' : '',
  ].filter(Boolean);
  return {
    ...decision,
    actions: applied.map((r) => r.action.id),
    ...(problems.length ? { [applied.length ? 'note' : 'ignored']: problems.join('; ') } : {}),
  };
}

function approverOf(payload: unknown): string {
  if (payload && typeof payload === 'object' && 'approver' in payload && typeof payload.approver === 'string') {
    return payload.approver.slice(0, 128);
  }
  return 'unknown';
}

/**
 * Why a `decide` Update must be refused, or undefined when it can be applied whole. Stricter than
 * the Signal path: the caller is waiting for an answer, so a partly wrong request is refused rather
 * than partly applied.
 */
export function refusal(records: ActionRecord[], payload: unknown): string | undefined {
  const parsed = DecideRequest.safeParse(payload);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
  }
  if (records.length === 0) return 'the plan is not ready yet: query status and try again';
  const undecided = new Set(
    records.filter((r) => r.status === 'awaiting-approval' && !r.decidedBy).map((r) => r.action.id),
  );
  const { actions } = parsed.data;
  if (actions === 'all') return undecided.size ? undefined : 'no action is awaiting a decision';
  const unknown = actions.filter((id) => !records.some((r) => r.action.id === id));
  if (unknown.length) return `unknown action ids: ${unknown.join(', ')}`;
  const settled = actions.filter((id) => !undecided.has(id));
  return settled.length ? `not awaiting a decision: ${settled.join(', ')}` : undefined;
}
