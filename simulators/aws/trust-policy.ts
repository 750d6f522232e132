import { accountRootArn } from './arn.js';
import { conditionsMatch, type ContextKeys } from './conditions.js';
import type { PolicyDocument, PrincipalSpec } from './policy-doc.js';
import { matchesWildcard } from './wildcard.js';

/**
 * direct: the trust policy names the caller itself (or "*"), which is a complete grant within one account;
 * account: it trusts the account root, delegating to the caller's identity policies, which must also allow
 * sts:AssumeRole; none: no statement admits the caller; deny: a Deny statement matches.
 */
export type TrustVerdict = 'direct' | 'account' | 'none' | 'deny';

function principalMatch(
  spec: PrincipalSpec,
  candidates: readonly string[],
  accountId: string,
): 'direct' | 'account' | undefined {
  if (spec === '*') return 'direct';
  const aws = Object.hasOwn(spec, 'AWS') ? spec['AWS'] : undefined;
  if (!aws) return undefined;
  if (aws.some((id) => id === '*' || candidates.includes(id))) return 'direct';
  if (aws.some((id) => id === accountId || id === accountRootArn(accountId))) return 'account';
  return undefined;
}

export function evaluateTrust(
  trust: PolicyDocument,
  candidates: readonly string[],
  accountId: string,
  keys: ContextKeys,
  action = 'sts:AssumeRole',
): TrustVerdict {
  let verdict: TrustVerdict = 'none';
  for (const statement of trust.statements) {
    if (statement.action && !statement.action.some((a) => matchesWildcard(a, action, true))) continue;
    if (statement.notAction?.some((a) => matchesWildcard(a, action, true))) continue;
    const match = statement.principal && principalMatch(statement.principal, candidates, accountId);
    if (!match || !conditionsMatch(statement.conditions, keys)) continue;
    if (statement.effect === 'Deny') return 'deny';
    if (match === 'direct' || verdict === 'none') verdict = match;
  }
  return verdict;
}
