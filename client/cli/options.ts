import { InvalidArgumentError } from 'commander';
import { userInfo } from 'node:os';
import { DecisionRequest } from '../../domain/decision.js';
import { CliError } from './cli-error.js';

export interface DecideOptions {
  actions?: string[];
  all?: boolean;
  as?: string;
  reason?: string;
  wait: boolean;
  timeout: number;
}

/**
 * The signal payload for `approve`/`reject`, checked here with the workflow's own schema so a
 * mistake is reported at once instead of being recorded as an ignored decision.
 */
export function decisionRequest(options: DecideOptions, defaultApprover: () => string | undefined): DecisionRequest {
  const ids = [
    ...new Set(
      (options.actions ?? [])
        .flatMap((id) => id.split(','))
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length > 0 === Boolean(options.all) || (options.actions && ids.length === 0)) {
    throw new CliError(
      'say what to decide with exactly one of --actions <ids...> (ids from `revoker status`) or --all (every action awaiting a decision)',
      2,
      'usage',
    );
  }
  const approver = options.as ?? defaultApprover();
  if (!approver?.trim()) {
    throw new CliError('who decides? pass --as <name> or set REVOKER_APPROVER', 2, 'usage');
  }
  const parsed = DecisionRequest.safeParse({
    approver,
    actions: options.all ? 'all' : ids,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${flagFor(issue.path[0])}: ${issue.message}`);
    throw new CliError(problems.join('; '), 2, 'usage');
  }
  return parsed.data;
}

function flagFor(field: PropertyKey | undefined): string {
  if (field === 'approver') return '--as';
  if (field === 'reason') return '--reason';
  return '--actions';
}

/** REVOKER_APPROVER, else the OS account running the CLI: decisions are attributed to a person. */
export function defaultApprover(
  env: Record<string, string | undefined>,
  osUser: () => string = () => userInfo().username,
): string | undefined {
  const fromEnv = env.REVOKER_APPROVER?.trim();
  if (fromEnv) return fromEnv;
  try {
    return osUser() || undefined;
  } catch {
    // No passwd entry (some containers): the caller then asks for --as.
    return undefined;
  }
}

/** commander argument parser for --timeout. */
export function parseTimeoutSeconds(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(seconds > 0) || seconds > 86_400) {
    throw new InvalidArgumentError('give a number of seconds, more than 0 and at most 86400.');
  }
  return seconds;
}

/** commander argument parser for --limit. */
export function parseCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || count < 1 || count > 1000) {
    throw new InvalidArgumentError('give a whole number from 1 to 1000.');
  }
  return count;
}
