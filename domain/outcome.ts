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
  // Deleted by an earlier incident: contained, by it.
  const earlier = status.principals.filter((p) => p.status === 'contained').length;
  if (succeeded === 0 && earlier === 0) return failed || refused ? 'NotContained' : 'NothingToDo';
  return failed ? 'PartiallyContained' : 'Contained';
}

/**
 * The state as people read it: `Contained (already)` when the incident changed nothing because the cloud was
 * found contained already (an earlier incident deleted the key, or every step found its target so).
 */
export function stateLabel(status: Pick<PlaybookStatus, 'actions' | 'principals' | 'state'>): string {
  if (status.state !== 'Contained') return status.state;
  const containment = status.actions.filter((r) => !r.action.reverses);
  const changed = containment.some((r) => r.status === 'done');
  const already =
    containment.some((r) => r.status === 'already') || status.principals.some((p) => p.status === 'contained');
  return !changed && already ? 'Contained (already)' : status.state;
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
  const earlier = status.principals.flatMap((p) =>
    p.status === 'contained' && p.containedBy
      ? [`${p.label} was deleted already by ${p.containedBy.handle ?? p.containedBy.incident} at ${p.containedBy.at}`]
      : [],
  );
  const earlierPart = earlier.length ? `; ${earlier.join(', ')}` : '';
  const labels = status.principals.map((p) => p.label).join(', ');
  return `${stateLabel(status)}: ${labels} — ${status.actions.length} actions${parts.length ? ` (${parts.join(', ')})` : ''}${principalPart}${exemptPart}${earlierPart}.`;
}
