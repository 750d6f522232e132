import type { Alert } from './alert.js';
import type { AlertSummary } from './report.js';
import { principalKey, type Principal } from './principal.js';
import type { Policy } from './policy.js';

/** Timing knobs. Defaults suit production; tests shorten them (no time-skipping server exists here). */
export interface PlaybookSettings {
  activityTimeout: string;
  /** Schedule-to-close: every attempt of one step, retries and backoff included, ends by then with a clear failure. */
  activityDeadline?: string;
  retryInitialInterval: string;
  retryMaximumInterval: string;
  retryMaximumAttempts: number;
}

export const DEFAULT_SETTINGS: PlaybookSettings = {
  activityTimeout: '1m',
  activityDeadline: '15m',
  retryInitialInterval: '1s',
  retryMaximumInterval: '1m',
  retryMaximumAttempts: 10,
};

export interface PlaybookInput {
  alert: Alert;
  /** A snapshot of the policy at intake, so the run is reproducible from its history. */
  policy: Policy;
  settings?: Partial<PlaybookSettings>;
  /** Base URL of the Temporal Web UI, for links in the report. */
  uiBaseUrl?: string;
  /**
   * Rehearse: triage and plan as for real, read each step's target to say whether the real run would
   * change it, and change nothing (no approvals are awaited, no notifications sent).
   */
  dryRun?: boolean;
  /** Alerts of the run this one continues: a new alert after containment starts the playbook over. */
  earlierAlerts?: AlertSummary[];
  /** Every alert ref (`source:id`) of the run this one continues, for exact duplicate detection. */
  seenAlerts?: string[];
  /** How many alerts the runs before this one had. */
  alertCount?: number;
}

/**
 * One playbook per set of principals: a second alert about the same principals while the playbook
 * is open is merged into it (signal-with-start) instead of starting another.
 */
/** Every incident's workflow id starts so (dry runs start `dry-run/`, ledgers `principal/`). */
export const INCIDENT_PREFIX = 'contain/';

export function playbookWorkflowId(principals: Principal[]): string {
  const keys = [...new Set(principals.map(principalKey))].sort();
  const id = `${INCIDENT_PREFIX}${keys.join('+')}`;
  return id.length <= 400 ? id : `${INCIDENT_PREFIX}many/${keys.length}/${fnv1a64(keys.join('+'))}`;
}

// Pure JS so domain code stays loadable inside the workflow sandbox.
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const char of text) {
    hash ^= BigInt(char.codePointAt(0) ?? 0);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
