import type { PlaybookState, PlaybookStatus } from './report.js';

/** The final state of a finished playbook, from its action and principal results. */
export function finalState(status: Pick<PlaybookStatus, 'actions' | 'principals'>): PlaybookState {
  const releases = status.actions.filter((r) => r.action.reverses);
  if (releases.some((r) => r.status === 'done' || r.status === 'already')) {
    return releases.some((r) => r.status === 'failed' || r.status === 'rejected') ? 'PartiallyReleased' : 'Released';
  }
  const actions = status.actions.filter((r) => !r.action.reverses);
  const succeeded = actions.filter((r) => r.status === 'done' || r.status === 'already').length;
  const failed =
    actions.filter((r) => r.status === 'failed').length + status.principals.filter((p) => p.status === 'failed').length;
  const refused = actions.filter((r) => r.status === 'rejected' || r.status === 'skipped').length;
  if (succeeded === 0) return failed || refused ? 'NotContained' : 'NothingToDo';
  return failed ? 'PartiallyContained' : 'Contained';
}

/** One line for notifications and the CLI. */
export function summarize(status: Pick<PlaybookStatus, 'actions' | 'principals' | 'state'>): string {
  const count = (wanted: string) => status.actions.filter((r) => r.status === wanted).length;
  const parts = [
    `${count('done')} done`,
    `${count('already')} already in place`,
    `${count('failed')} failed`,
    `${count('rejected')} rejected`,
    `${count('skipped')} skipped`,
    `${status.actions.filter((r) => r.preview?.changes).length} would change`,
    `${status.actions.filter((r) => r.preview && !r.preview.changes).length} would not change`,
  ].filter((part) => !part.startsWith('0 '));
  const failedPrincipals = status.principals.filter((p) => p.status === 'failed');
  const principalPart = failedPrincipals.length
    ? `; could not examine ${failedPrincipals.map((p) => p.label).join(', ')}`
    : '';
  const exempt = status.principals.filter((p) => p.status === 'allowlisted');
  const exemptPart = exempt.length
    ? `; allowlisted, nothing done: ${exempt.map((p) => `${p.label} (${p.allowlistReason ?? 'allowlist'})`).join(', ')}`
    : '';
  const labels = status.principals.map((p) => p.label).join(', ');
  return `${status.state}: ${labels} — ${status.actions.length} actions${parts.length ? ` (${parts.join(', ')})` : ''}${principalPart}${exemptPart}.`;
}
