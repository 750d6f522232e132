import type { z } from 'zod';

/** One thing wrong with a payload, named by its dotted path (`principals.0.accountId`). */
export interface FieldIssue {
  path: (string | number)[];
  field: string;
  message: string;
}

/**
 * Turns a zod error into one issue per wrong field, in terms a sender can act on. zod reports a
 * failed union as "Invalid input" at the union itself; the branch that got furthest says what was
 * actually wrong (e.g. `actions.aws.deleteAccessKey.high: Invalid option`), so that one is kept.
 * Unknown keys of strict objects become one issue per key, so each is named.
 */
export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => flatten(issue, []));
}

function flatten(issue: z.core.$ZodIssue, prefix: (string | number)[]): FieldIssue[] {
  const path = [...prefix, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => make([...path, key], 'unknown field: remove it (check its spelling)'));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = issue.errors.reduce((best, candidate) => (depth(candidate) > depth(best) ? candidate : best));
    if (depth(branch) > 0) return branch.flatMap((inner) => flatten(inner, path));
    const alternatives = [...new Set(issue.errors.flatMap((branchIssues) => branchIssues.map((i) => i.message)))];
    return [make(path, alternatives.join('; or '))];
  }
  return [make(path, issue.message)];
}

function depth(issues: z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((issue) => issue.path.length));
}

function make(path: (string | number)[], message: string): FieldIssue {
  return { path, field: path.join('.'), message };
}
