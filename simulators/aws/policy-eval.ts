import { conditionsMatch, type ContextKeys } from './conditions.js';
import type { PolicyDocument, PolicyStatement } from './policy-doc.js';
import { matchesWildcard, substituteVariables } from './wildcard.js';

export interface EvalRequest {
  /** `service:Action`, e.g. `iam:UpdateAccessKey`. */
  readonly action: string;
  readonly resource: string;
  readonly keys: ContextKeys;
}

export type PolicyVerdict = 'Allow' | 'Deny' | 'NoMatch';

/** Action names are case-insensitive in IAM. */
function actionMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((pattern) => matchesWildcard(pattern, action, true));
}

/** Resource ARNs are case-sensitive and may use policy variables such as `${aws:username}`. */
function resourceMatches(patterns: readonly string[], resource: string, keys: ContextKeys): boolean {
  return patterns.some((pattern) => {
    const resolved = substituteVariables(pattern, keys);
    return resolved !== undefined && matchesWildcard(resolved, resource);
  });
}

export function statementApplies(statement: PolicyStatement, request: EvalRequest): boolean {
  if (statement.action && !actionMatches(statement.action, request.action)) return false;
  if (statement.notAction && actionMatches(statement.notAction, request.action)) return false;
  if (statement.resource && !resourceMatches(statement.resource, request.resource, request.keys)) return false;
  if (statement.notResource && resourceMatches(statement.notResource, request.resource, request.keys)) return false;
  return conditionsMatch(statement.conditions, request.keys);
}

/** Standard evaluation within one policy type: any matching Deny wins, else any matching Allow, else no match. */
export function evaluatePolicies(documents: readonly PolicyDocument[], request: EvalRequest): PolicyVerdict {
  let allowed = false;
  for (const document of documents) {
    for (const statement of document.statements) {
      if (!statementApplies(statement, request)) continue;
      if (statement.effect === 'Deny') return 'Deny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'NoMatch';
}
