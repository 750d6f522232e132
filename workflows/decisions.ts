import type { Severity } from '../domain/alert.js';
import { DecideRequest, DecisionRequest, type Decision, type Verdict } from '../domain/decision.js';
import { describeIssues } from '../domain/issues.js';
import { approvalsNeeded, notAnApprover, samePerson, type Policy } from '../domain/policy.js';
import { planRelease, type ReleasePlan } from '../domain/release.js';
import { awaitsDecision, type ActionRecord } from '../domain/report.js';
import { sealHolds } from './seal.js';

type Rules = Pick<Policy, 'approvers' | 'fourEyes' | 'trustedIdentities' | 'verifierKeys'>;

/** What a decision is judged against besides the plan: for links and releases. */
export interface DecisionContext {
  /** The playbook's workflow id: a seal signs the decision for this playbook only. */
  workflowId: string;
  /** Decisions so far, for one-click links that work once. */
  decisions: Decision[];
  policy: Policy;
  severity: Severity;
  /** False once the release window has closed. */
  releaseOpen: boolean;
  /** Controls are held in the principals' ledgers. */
  sharedControls?: boolean;
}

// The same person under another case or a policy alias counts once for four eyes.
const approvedBy = (rules: Rules, r: ActionRecord, approver: string) =>
  (r.approvals ?? []).some((a) => samePerson(rules, a.approver, approver));

interface Sorted {
  applicable: ActionRecord[];
  problems: string[];
}

/**
 * Sorts the named actions into those this approver may decide now and the reasons for the rest:
 * unknown ids, actions not waiting, approvers outside the policy's groups, and a second approval by
 * someone who already approved a four-eyes step.
 */
function sort(records: ActionRecord[], rules: Rules, verdict: Verdict, request: DecisionRequest): Sorted {
  const { approver, actions } = request;
  const named = actions === 'all' ? records.filter(awaitsDecision).map((r) => r.action.id) : [...new Set(actions)];
  const problems: string[] = [];
  const unknown = named.filter((id) => !records.some((r) => r.action.id === id));
  if (unknown.length) problems.push(`unknown action ids: ${unknown.join(', ')}`);
  const found = records.filter((r) => named.includes(r.action.id));
  const settled = found.filter((r) => !awaitsDecision(r)).map((r) => r.action.id);
  if (settled.length) problems.push(`not awaiting a decision: ${settled.join(', ')}`);
  const applicable: ActionRecord[] = [];
  for (const record of found.filter(awaitsDecision)) {
    const refused = notAnApprover(rules as Policy, record.action.kind, approver);
    if (refused) problems.push(refused);
    else if (verdict === 'approve' && record.requestedBy && samePerson(rules, record.requestedBy, approver)) {
      problems.push(`${approver} asked for the release in ${record.action.id}: another approver must approve it`);
    } else if (verdict === 'approve' && approvedBy(rules, record, approver)) {
      problems.push(`${approver} already approved ${record.action.id}: four eyes needs another approver`);
    } else applicable.push(record);
  }
  if (named.length === 0) problems.push('no action is awaiting a decision');
  return { applicable, problems: [...new Set(problems)] };
}

/**
 * Applies an approve/reject request from the Signal path (the Temporal UI) and returns the decision
 * as recorded: what can be applied is, the rest is noted. A rejection by one approver stands at
 * once; an approval releases a step once it has the approvals the policy asks for (four eyes for
 * destructive steps). Pure, so the rules are unit-tested; the workflow calls it from its handlers.
 */
export function applyDecision(
  records: ActionRecord[],
  rules: Rules,
  verdict: Exclude<Verdict, 'release'>,
  payload: unknown,
  at: string,
): Decision {
  const parsed = DecisionRequest.safeParse(payload);
  if (!parsed.success) {
    return {
      verdict,
      approver: approverOf(payload),
      actions: [],
      at,
      ignored: `invalid payload (${describeIssues(parsed.error)})`,
    };
  }
  const { approver, reason } = parsed.data;
  const decision: Decision = { verdict, approver, actions: [], at, ...(reason ? { reason } : {}) };
  if (records.length === 0) return { ...decision, ignored: 'the plan is not ready yet: query status and try again' };

  const { applicable, problems } = sort(records, rules, verdict, parsed.data);
  const by = { approver, at, ...(reason ? { reason } : {}) };
  for (const record of applicable) {
    if (verdict === 'reject') {
      Object.assign(record, { decidedBy: by, status: 'rejected', finishedAt: at });
      continue;
    }
    record.approvals = [...(record.approvals ?? []), by];
    const needed = approvalsNeeded(rules as Policy, record.action.destructive);
    if (record.approvals.length >= needed) {
      record.decidedBy = { ...by, approver: record.approvals.map((a) => a.approver).join(' + ') };
    }
  }
  return {
    ...decision,
    actions: applicable.map((r) => r.action.id),
    ...(problems.length ? { [applicable.length ? 'note' : 'ignored']: problems.join('; ') } : {}),
  };
}

/**
 * Why a `decide` Update must be refused, or undefined when it can be applied whole. Stricter than
 * the Signal path: the caller is waiting for an answer, so a partly wrong request is refused rather
 * than partly applied.
 */
export function refusal(records: ActionRecord[], context: DecisionContext, payload: unknown): string | undefined {
  const parsed = DecideRequest.safeParse(payload);
  if (!parsed.success) {
    return describeIssues(parsed.error);
  }
  const request = parsed.data;
  const unverified = unverifiedRefusal(context.policy, request.verifiedBy) ?? forgedRefusal(context, request);
  if (unverified) return unverified;
  const used = request.link ? context.decisions.find((d) => d.link === request.link && !d.ignored) : undefined;
  if (used) return `this link was already used (${used.verdict} by ${used.approver} at ${used.at})`;
  if (request.verdict === 'release') return releasePlan(records, context, request).problems.join('; ') || undefined;
  if (records.length === 0) return 'the plan is not ready yet: query status and try again';
  const { problems } = sort(records, context.policy, request.verdict, request);
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * Why a decision whose approver Revoker's server did not verify is refused: under
 * `trustedIdentities: oidc`, the UI's Signals and Updates without `verifiedBy` name an approver
 * nobody checked. Undefined when the policy trusts the namespace, or the decision was verified.
 */
export function unverifiedRefusal(policy: Rules, verifiedBy: string | undefined): string | undefined {
  if (policy.trustedIdentities !== 'oidc' || verifiedBy) return undefined;
  return (
    'the policy takes only verified approvers (trustedIdentities: oidc): decide through your own one-click link, ' +
    'or the CLI after `revoker login` (or with REVOKER_IDENTITY_TOKEN): a Signal or an Update names an approver nobody verified'
  );
}

/**
 * Why a decision that says Revoker's server verified its approver is refused: it carries no seal of a key the
 * policy lists (a claim anyone with Update access can write). Under `temporal-namespace` with no keys listed there
 * is nothing to check against, and the claim stands as the namespace's word.
 */
export function forgedRefusal(context: DecisionContext, request: DecideRequest): string | undefined {
  if (!request.verifiedBy) return undefined;
  const keys = context.policy.verifierKeys ?? [];
  if (keys.length === 0) {
    if (context.policy.trustedIdentities !== 'oidc') return undefined;
    return (
      "the policy lists no verifierKeys, so no decision can prove Revoker's server verified it: " +
      "start playbooks from a webhook with REVOKER_DECISION_KEY_FILE (it adds its key), or list the server's key"
    );
  }
  if (sealHolds(keys, context.workflowId, request)) return undefined;
  return (
    `verifiedBy ${request.verifiedBy} without a valid seal of Revoker's server (policy verifierKeys): ` +
    "decide through your one-click link or the CLI after `revoker login`, which Revoker's server verifies and seals"
  );
}

function releasePlan(records: ActionRecord[], context: DecisionContext, request: DecisionRequest): ReleasePlan {
  return planRelease(records, context.policy, {
    ...request,
    severity: context.severity,
    open: context.releaseOpen,
    shared: context.sharedControls ?? false,
  });
}

/**
 * Applies a `release` request (Signal or Update), whole or not at all: waiting steps are called
 * off (rejected) and the release steps are returned for the workflow to add to the plan and run.
 */
export function applyRelease(
  records: ActionRecord[],
  context: DecisionContext,
  payload: unknown,
  at: string,
): { decision: Decision; reversals: ActionRecord[] } {
  const parsed = DecisionRequest.safeParse(payload);
  if (!parsed.success) {
    const ignored = `invalid payload (${describeIssues(parsed.error)})`;
    return { decision: { verdict: 'release', approver: approverOf(payload), actions: [], at, ignored }, reversals: [] };
  }
  const { approver, reason } = parsed.data;
  const decision: Decision = { verdict: 'release', approver, actions: [], at, ...(reason ? { reason } : {}) };
  const plan = releasePlan(records, context, parsed.data);
  if (plan.problems.length) return { decision: { ...decision, ignored: plan.problems.join('; ') }, reversals: [] };
  const by = { approver, at, reason: `called off by the release${reason ? `: ${reason}` : ''}` };
  for (const record of plan.calledOff) Object.assign(record, { decidedBy: by, status: 'rejected', finishedAt: at });
  const actions = [...plan.calledOff, ...plan.reversals].map((r) => r.action.id);
  return { decision: { ...decision, actions }, reversals: plan.reversals };
}

/** The approver a payload names, for the record of an ignored one. */
export function approverOf(payload: unknown): string {
  if (payload && typeof payload === 'object' && 'approver' in payload && typeof payload.approver === 'string') {
    return payload.approver.slice(0, 128);
  }
  return 'unknown';
}
