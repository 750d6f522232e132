import type { Action } from './action.js';
import type { Decision } from './decision.js';
import { approvalsNeeded, approverIdentities, samePerson, type Policy } from './policy.js';
import type { ActionRecord } from './report.js';

/**
 * The part of a playbook's policy that says how many people approve a step and who may: what the
 * effect of an approval is worded from. The playbook holds the policy snapshot of its input, so the
 * link server asks the run (a Query) rather than reading a policy file that may have changed since.
 */
export type ApprovalRules = Pick<Policy, 'fourEyes' | 'approvers'>;

export function approvalRulesOf(policy: Policy): ApprovalRules {
  return { fourEyes: policy.fourEyes, ...(policy.approvers ? { approvers: policy.approvers } : {}) };
}

type Step = Pick<ActionRecord, 'approvals'> & { action: Pick<Action, 'id' | 'kind' | 'destructive' | 'reversible'> };

/** What one approval by one person does to one step, under the rules that apply. */
export interface ApprovalEffect {
  id: string;
  /** Its approvals are complete with this one: it runs (once the steps it depends on have). */
  runs: boolean;
  /** Destroys something no release brings back (a deleted key). */
  permanent: boolean;
  /** A release can undo it. */
  reversible: boolean;
  /** Who approved it before this approver. */
  approvedBy: string[];
  /** Approvals it still needs after this one; 0 when it runs. */
  more: number;
  /** Who else may give them; absent when the policy names no approvers (anyone who can decide may). */
  others?: string[];
  /** The step's line: "your approval runs it · permanent: no release can undo it". */
  words: string;
}

/**
 * What `approver`'s approval of these steps does under `rules`, counting the approvals already
 * given: per step, and as a few sentences for the whole choice — "2 steps are permanent (no release
 * can undo them): under this policy your approval alone runs them" or "… need one more approver
 * after you (four eyes): kim@example.com". Steps this approver already approved are not theirs to
 * approve again; callers leave them out.
 */
export function approvalEffects(
  steps: Step[],
  rules: ApprovalRules,
  approver: string,
): { steps: ApprovalEffect[]; summary: string[] } {
  const policy = rules as Policy;
  const effects = steps.map((step): ApprovalEffect => {
    const { id, kind, destructive, reversible } = step.action;
    const approvedBy = distinct(
      rules,
      (step.approvals ?? []).map((a) => a.approver),
    ).filter((who) => !samePerson(rules, who, approver));
    const more = Math.max(0, approvalsNeeded(policy, destructive) - approvedBy.length - 1);
    const eligible = approverIdentities(policy, kind);
    const others = eligible?.filter((who) => ![approver, ...approvedBy].some((had) => samePerson(rules, had, who)));
    const effect = { id, runs: more === 0, permanent: destructive && !reversible, reversible, approvedBy, more };
    return { ...effect, ...(others ? { others } : {}), words: stepWords({ ...effect, ...(others ? { others } : {}) }) };
  });
  return { steps: effects, summary: summaryWords(effects) };
}

function stepWords(effect: Omit<ApprovalEffect, 'words'>): string {
  const before = effect.approvedBy.length ? `${list(effect.approvedBy, 'and')} approved it: ` : '';
  const decision = effect.runs
    ? before
      ? `${before}yours completes four eyes and it runs`
      : 'your approval alone runs it'
    : `${before}needs ${more(effect.more)} after you (four eyes)${whom(effect.others)}`;
  const undo = effect.permanent
    ? 'permanent: no release can undo it'
    : effect.reversible
      ? 'a release can undo it'
      : 'no release undoes it';
  return `${decision} · ${undo}`;
}

function summaryWords(effects: ApprovalEffect[]): string[] {
  const sentences: string[] = [];
  const permanent = effects.filter((e) => e.permanent);
  const alone = permanent.filter((e) => e.runs && e.approvedBy.length === 0);
  if (alone.length) {
    const { are, object } = grammar(alone.length);
    sentences.push(
      `${count(alone.length)} ${are} permanent (no release can undo ${object}): under this policy your approval alone runs ${object}.`,
    );
  }
  const completing = permanent.filter((e) => e.runs && e.approvedBy.length > 0);
  if (completing.length) {
    const { are, subject, have, object } = grammar(completing.length);
    const before = distinctNames(completing.flatMap((e) => e.approvedBy));
    sentences.push(
      `${count(completing.length)} ${are} permanent and ${subject} already ${have} the approval of ${list(before, 'and')}: ` +
        `under this policy (four eyes) yours completes ${object} and runs ${object}.`,
    );
  }
  // Grouped by how many more approvals they need and from whom, so each sentence names its people once.
  const waiting = new Map<string, ApprovalEffect[]>();
  for (const effect of permanent.filter((e) => !e.runs)) {
    const key = `${effect.more}|${effect.others?.join(',') ?? ''}`;
    waiting.set(key, [...(waiting.get(key) ?? []), effect]);
  }
  for (const group of waiting.values()) {
    const [first] = group as [ApprovalEffect];
    const { are, subject, need, object } = grammar(group.length);
    sentences.push(
      `${count(group.length)} ${are} permanent: under this policy (four eyes) ${subject} ${need} ${more(first.more)} ` +
        `after you${whom(first.others)}; your approval alone does not run ${object}.`,
    );
  }
  const rest = effects.filter((e) => !e.permanent);
  if (rest.length) {
    const { object, run } = grammar(rest.length);
    const undone = rest.filter((e) => e.reversible).length;
    const undo =
      undone === rest.length
        ? `a release can undo ${object}`
        : undone === 0
          ? `no release undoes ${object}`
          : `a release can undo ${undone} of them`;
    const which = permanent.length
      ? `The other ${rest.length === 1 ? 'step' : `${rest.length} steps`}`
      : count(rest.length);
    sentences.push(`${which} ${run} on your approval alone (${undo}).`);
  }
  return sentences;
}

/**
 * Who decided a step and how, from the decisions that named it: "approve by sam@example.com at … (one-click
 * link)"; a step no one decided says what did (the policy ran it, the approval window ran out).
 */
export function decidedWords(record: ActionRecord, decisions: Decision[]): string[] {
  const id = record.action.id;
  const named = decisions
    .filter((d) => !d.ignored && d.actions.includes(id))
    .map((d) => `${d.verdict} by ${d.approver} at ${d.at}${channel(d)}`);
  if (named.length) return named;
  if (record.decidedBy) return [`decided by ${record.decidedBy.approver} at ${record.decidedBy.at}`];
  if (record.action.mode === 'auto' && record.status !== 'awaiting-approval') return ['ran under the policy (auto)'];
  if (record.note) return [record.note];
  return [];
}

function channel(decision: Decision): string {
  if (decision.link) return ' (one-click link)';
  if (decision.verifiedBy === 'identity-token') return ' (CLI, verified identity)';
  return '';
}

function distinct(rules: ApprovalRules, names: string[]): string[] {
  return names.filter((name, i) => names.findIndex((other) => samePerson(rules, other, name)) === i);
}

function distinctNames(names: string[]): string[] {
  return [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
}

const count = (n: number) => (n === 1 ? 'One step' : `${n} steps`);
const grammar = (n: number) =>
  n === 1
    ? { are: 'is', subject: 'it', object: 'it', need: 'needs', have: 'has', run: 'runs' }
    : { are: 'are', subject: 'they', object: 'them', need: 'need', have: 'have', run: 'run' };
const more = (n: number) => (n === 1 ? 'one more approver' : `${n} more approvers`);

/** Who may give the approvals still needed; an empty list is a warning: nobody else may. */
function whom(others: string[] | undefined): string {
  if (!others) return '';
  return others.length ? `: ${list(others, 'or')}` : ', and the policy names nobody else who may approve';
}

function list(names: string[], conjunction: 'and' | 'or'): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1) as string}`;
}
