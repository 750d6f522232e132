import { InvalidArgumentError } from 'commander';
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
export function decisionRequest(options: DecideOptions, configured: () => string | undefined): DecisionRequest {
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
  const approver = options.as ?? configured();
  if (!approver?.trim()) throw new CliError(NO_IDENTITY, 2, 'usage');
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

/** What to do when nobody is named: every way there is, since a decision is recorded against a person. */
export const NO_IDENTITY =
  'who decides? pass --as <you@example.com>, set REVOKER_IDENTITY=<you@example.com>, ' +
  'or run `revoker login` to decide as the identity you sign in with';

/** Who decides when --as is not given, and where that came from (for `whoami`). */
export interface ConfiguredIdentity {
  name: string;
  from: 'REVOKER_IDENTITY' | 'REVOKER_APPROVER';
}

/**
 * The identity configured for this shell: REVOKER_IDENTITY, or REVOKER_APPROVER, its old name (still
 * read, deprecated). Never the OS user: a decision recorded as `root` or `ubuntu` names nobody.
 */
export function configuredIdentity(env: Record<string, string | undefined>): ConfiguredIdentity | undefined {
  const identity = env.REVOKER_IDENTITY?.trim();
  if (identity) return { name: identity, from: 'REVOKER_IDENTITY' };
  const old = env.REVOKER_APPROVER?.trim();
  return old ? { name: old, from: 'REVOKER_APPROVER' } : undefined;
}

export const APPROVER_DEPRECATED =
  'REVOKER_APPROVER is deprecated: set REVOKER_IDENTITY instead (it is read the same way)';

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
