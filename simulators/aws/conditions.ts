import type { ConditionClause } from './policy-doc.js';
import { matchesWildcard, substituteVariables } from './wildcard.js';

/** Request context keys, lower-cased (condition keys are case-insensitive). */
export type ContextKeys = ReadonlyMap<string, string>;

type Comparator = (actual: string, expected: string) => boolean;

function parseDate(value: string): number | undefined {
  // IAM accepts ISO 8601 dates and epoch seconds for Date* operators.
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function dateCompare(test: (a: number, b: number) => boolean): Comparator {
  return (actual, expected) => {
    const a = parseDate(actual);
    const b = parseDate(expected);
    return a !== undefined && b !== undefined && test(a, b);
  };
}

function numericCompare(test: (a: number, b: number) => boolean): Comparator {
  return (actual, expected) => {
    const a = Number(actual);
    const b = Number(expected);
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.replace(/^::ffff:/, '').split('.');
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) return undefined;
    out = out * 256 + n;
  }
  return out;
}

const ipInRange: Comparator = (actual, cidr) => {
  const [base, bitsText] = cidr.split('/');
  const ip = ipv4ToInt(actual);
  const net = ipv4ToInt(base ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (ip === undefined || net === undefined || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(net / size);
};

const stringEquals: Comparator = (a, b) => a === b;
const stringLike: Comparator = (a, b) => matchesWildcard(b, a);

/** Positive comparator per operator; the `negated` ones match when no value matches (and when the key is absent). */
const OPERATORS: Record<string, { compare: Comparator; negated: boolean }> = {
  StringEquals: { compare: stringEquals, negated: false },
  StringNotEquals: { compare: stringEquals, negated: true },
  StringEqualsIgnoreCase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: true },
  StringLike: { compare: stringLike, negated: false },
  StringNotLike: { compare: stringLike, negated: true },
  NumericEquals: { compare: numericCompare((a, b) => a === b), negated: false },
  NumericNotEquals: { compare: numericCompare((a, b) => a === b), negated: true },
  NumericLessThan: { compare: numericCompare((a, b) => a < b), negated: false },
  NumericLessThanEquals: { compare: numericCompare((a, b) => a <= b), negated: false },
  NumericGreaterThan: { compare: numericCompare((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { compare: numericCompare((a, b) => a >= b), negated: false },
  DateEquals: { compare: dateCompare((a, b) => a === b), negated: false },
  DateNotEquals: { compare: dateCompare((a, b) => a === b), negated: true },
  DateLessThan: { compare: dateCompare((a, b) => a < b), negated: false },
  DateLessThanEquals: { compare: dateCompare((a, b) => a <= b), negated: false },
  DateGreaterThan: { compare: dateCompare((a, b) => a > b), negated: false },
  DateGreaterThanEquals: { compare: dateCompare((a, b) => a >= b), negated: false },
  Bool: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: false },
  BinaryEquals: { compare: stringEquals, negated: false },
  IpAddress: { compare: ipInRange, negated: false },
  NotIpAddress: { compare: ipInRange, negated: true },
  ArnEquals: { compare: stringLike, negated: false },
  ArnLike: { compare: stringLike, negated: false },
  ArnNotEquals: { compare: stringLike, negated: true },
  ArnNotLike: { compare: stringLike, negated: true },
};

interface ParsedOperator {
  base: string;
  ifExists: boolean;
  setQualifier?: 'ForAnyValue' | 'ForAllValues';
}

function parseOperator(operator: string): ParsedOperator | undefined {
  const qualified = /^(ForAnyValue|ForAllValues):(.+)$/.exec(operator);
  const setQualifier = qualified?.[1] as ParsedOperator['setQualifier'];
  let base = qualified?.[2] ?? operator;
  if (base === 'Null') return setQualifier ? undefined : { base, ifExists: false };
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  if (!Object.hasOwn(OPERATORS, base)) return undefined;
  return { base, ifExists, ...(setQualifier ? { setQualifier } : {}) };
}

export function isKnownConditionOperator(operator: string): boolean {
  return parseOperator(operator) !== undefined;
}

function clauseMatches(clause: ConditionClause, keys: ContextKeys): boolean {
  const parsed = parseOperator(clause.operator);
  if (!parsed) return false;
  const actual = keys.get(clause.key.toLowerCase());
  if (parsed.base === 'Null') {
    // "Null": "true" means the key must be absent.
    return clause.values.some((v) => (v.toLowerCase() === 'true') === (actual === undefined));
  }
  const spec = OPERATORS[parsed.base];
  if (!spec) return false;
  // A missing key never matches a positive operator — this is why an aws:TokenIssueTime deny cannot affect
  // long-term access keys, whose requests carry no token issue time. Negated operators, ...IfExists and
  // ForAllValues (vacuous truth over an empty set) match instead.
  if (actual === undefined) return spec.negated || parsed.ifExists || parsed.setQualifier === 'ForAllValues';
  const expected = clause.values.map((v) => substituteVariables(v, keys)).filter((v): v is string => v !== undefined);
  const anyMatch = expected.some((value) => spec.compare(actual, value));
  return spec.negated ? !anyMatch : anyMatch;
}

/** All operators, all keys within an operator: AND. Values for one key: OR. */
export function conditionsMatch(clauses: readonly ConditionClause[], keys: ContextKeys): boolean {
  return clauses.every((clause) => clauseMatches(clause, keys));
}
