import { isKnownConditionOperator } from './conditions.js';

export type Effect = 'Allow' | 'Deny';
/** `"Principal": "*"` or `{ "AWS": [...], "Service": [...], "Federated": [...] }`, values normalised to arrays. */
export type PrincipalSpec = '*' | Readonly<Record<string, readonly string[]>>;

export interface ConditionClause {
  /** e.g. `DateLessThan`, `StringLikeIfExists`, `ForAnyValue:StringEquals`. */
  readonly operator: string;
  /** Condition keys are case-insensitive in IAM; kept as written for messages. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly principal?: PrincipalSpec;
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  readonly version?: string;
  readonly statements: readonly PolicyStatement[];
}

/** identity: inline user/role policy; trust: a role's AssumeRolePolicyDocument; session: STS `Policy` parameter. */
export type PolicyKind = 'identity' | 'trust' | 'session';

/** Carries IAM's MalformedPolicyDocument message. */
export class PolicyError extends Error {}

const SYNTAX = 'Syntax errors in policy.';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item !== 'string') throw new PolicyError(SYNTAX);
    return item;
  });
}

function scalarList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw new PolicyError(SYNTAX);
  });
}

function parsePrincipal(value: unknown): PrincipalSpec {
  if (value === '*') return '*';
  if (!isRecord(value)) throw new PolicyError('Invalid principal in policy');
  const out: Record<string, string[]> = {};
  for (const [type, ids] of Object.entries(value)) out[type] = stringList(ids);
  return out;
}

function parseConditions(value: unknown): ConditionClause[] {
  if (value === undefined) return [];
  if (!isRecord(value)) throw new PolicyError(SYNTAX);
  const clauses: ConditionClause[] = [];
  for (const [operator, keys] of Object.entries(value)) {
    if (!isKnownConditionOperator(operator)) throw new PolicyError(`Invalid Condition type : ${operator}`);
    if (!isRecord(keys)) throw new PolicyError(SYNTAX);
    for (const [key, values] of Object.entries(keys)) clauses.push({ operator, key, values: scalarList(values) });
  }
  return clauses;
}

function parseActions(value: unknown): string[] {
  const actions = stringList(value);
  for (const action of actions) {
    if (action !== '*' && !/^[a-zA-Z0-9-]+:[\w*?-]*$/.test(action)) {
      throw new PolicyError('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    }
  }
  return actions;
}

function parseStatement(raw: unknown, kind: PolicyKind): PolicyStatement {
  if (!isRecord(raw)) throw new PolicyError(SYNTAX);
  const effect = raw['Effect'];
  if (effect === undefined) throw new PolicyError('Missing required field Effect');
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError(`Invalid effect: ${JSON.stringify(effect)}`);
  const hasPrincipal = raw['Principal'] !== undefined || raw['NotPrincipal'] !== undefined;
  if (kind !== 'trust' && hasPrincipal) throw new PolicyError('Policy document should not specify a principal.');
  if (kind === 'trust' && raw['Principal'] === undefined) throw new PolicyError('Missing required field Principal');
  if (raw['Action'] === undefined && raw['NotAction'] === undefined) {
    throw new PolicyError('Policy statement must contain actions.');
  }
  const hasResource = raw['Resource'] !== undefined || raw['NotResource'] !== undefined;
  if (kind === 'trust' && hasResource) throw new PolicyError('Has prohibited field Resource');
  if (kind !== 'trust' && !hasResource) throw new PolicyError('Policy statement must contain resources.');
  const sid = raw['Sid'];
  if (sid !== undefined && typeof sid !== 'string') throw new PolicyError(SYNTAX);
  return {
    ...(sid === undefined ? {} : { sid }),
    effect,
    ...(raw['Action'] === undefined ? {} : { action: parseActions(raw['Action']) }),
    ...(raw['NotAction'] === undefined ? {} : { notAction: parseActions(raw['NotAction']) }),
    ...(raw['Resource'] === undefined ? {} : { resource: stringList(raw['Resource']) }),
    ...(raw['NotResource'] === undefined ? {} : { notResource: stringList(raw['NotResource']) }),
    ...(raw['Principal'] === undefined ? {} : { principal: parsePrincipal(raw['Principal']) }),
    conditions: parseConditions(raw['Condition']),
  };
}

/** Validates a policy the way IAM does on Put*Policy, returning the normalised form used for evaluation. */
export function parsePolicyObject(raw: unknown, kind: PolicyKind): PolicyDocument {
  if (!isRecord(raw) || raw['Statement'] === undefined) throw new PolicyError(SYNTAX);
  const version = raw['Version'];
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw new PolicyError('The policy failed legacy parsing');
  }
  const statementsRaw = raw['Statement'];
  const statements = (Array.isArray(statementsRaw) ? statementsRaw : [statementsRaw]).map((s) =>
    parseStatement(s, kind),
  );
  return { ...(typeof version === 'string' ? { version } : {}), statements };
}

export function parsePolicyText(text: string, kind: PolicyKind): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PolicyError(SYNTAX);
  }
  return parsePolicyObject(raw, kind);
}

/** IAM's inline-policy quotas count characters excluding whitespace. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}
