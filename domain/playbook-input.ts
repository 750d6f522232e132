import type { Alert } from './alert.js';
import type { AlertSummary, EarlierCut, PlaybookStatus } from './report.js';
import { principalKey, type Principal } from './principal.js';
import type { Policy } from './policy.js';
import { fnv1a64 } from './handle.js';

/** Timing knobs. Defaults suit production; tests shorten them (no time-skipping server exists here). */
export interface PlaybookSettings {
  activityTimeout: string;
  /** Schedule-to-close: every attempt of one step, retries and backoff included, ends by then with a clear failure. */
  activityDeadline?: string;
  /**
   * An attempt whose worker sends no heartbeat for this long is retried elsewhere (the worker died). The
   * workers heartbeat every 2 s while an activity runs (worker/heartbeat.ts), which is also how Temporal
   * delivers a cancellation to a call in flight.
   */
  heartbeatTimeout?: string;
  retryInitialInterval: string;
  retryMaximumInterval: string;
  retryMaximumAttempts: number;
  /**
   * Continue as new past this many history events even if Temporal does not suggest it yet (tests set
   * it low; production relies on Temporal's suggestion and on the Update count).
   */
  continueAsNewAfterEvents?: number;
  /**
   * How long verification re-reads a change that does not show yet before it calls the change lost (and acts
   * again). The clouds are eventually consistent: AWS IAM ("Troubleshooting IAM": changes take time to become
   * visible everywhere), Entra ("after calling revokeSignInSessions, there might be a small delay of a few minutes
   * before tokens are revoked") and Google IAM ("Access change propagation": typically 2 minutes, potentially 7
   * minutes or longer). Tests set it short.
   */
  verifyWithin?: string;
  /** Start-to-close of one audit-trail read (the sweep, the watch): a read pages and paces itself to the trail's rate limit. */
  sweepTimeout?: string;
}

/** Longer than the slowest documented propagation (Google IAM: 7 minutes or longer). */
export const DEFAULT_VERIFY_WITHIN = '10m';

/**
 * Updates one run takes before it continues as new: Temporal refuses a run's 2,000th Update
 * (limit.workflowExecution.maxTotalUpdates), and a storm from a sender that posts one alert at a time
 * is one Update per alert.
 */
export const UPDATES_PER_RUN = 1_500;

export const DEFAULT_SETTINGS: PlaybookSettings = {
  activityTimeout: '1m',
  activityDeadline: '15m',
  heartbeatTimeout: '30s',
  retryInitialInterval: '1s',
  retryMaximumInterval: '1m',
  retryMaximumAttempts: 10,
  verifyWithin: DEFAULT_VERIFY_WITHIN,
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
  /**
   * What the incident's handle is made from with its workflow id (domain/handle.ts), chosen by the client so the
   * summary it starts the workflow with names the handle; runs started without it use their first run id.
   */
  handleSeed?: string;
  /** Keys the run this one continues deleted (or found deleted): an alert naming one finds it contained. */
  earlierCuts?: { credential: string; cut: EarlierCut }[];
  /**
   * The incident this run continues mid-way (continued as new when its history grew long): its status
   * as it was, every principal it covers, and whether a release is still accepted. Triage and planning
   * are not repeated; steps still waiting resume waiting, with what is left of their windows.
   */
  resume?: ResumedIncident;
}

export interface ResumedIncident {
  status: PlaybookStatus;
  principals: Principal[];
  /** Every name the incident is filed under (RevokerPrincipal), discovered aliases included. */
  filedUnder: string[];
  releaseOpen: boolean;
}

/**
 * One playbook per set of principals: a second alert about the same principals while the playbook
 * is open is merged into it (signal-with-start) instead of starting another.
 */
/** Every incident's workflow id starts so (dry runs start `dry-run/`, ledgers `principal/`). */
export const INCIDENT_PREFIX = 'contain/';

/**
 * `tag`, when history is encrypted, is the keyed hash the client files principals under
 * (connect/payload-codec.ts principalTags): the id then names no principal, in visibility or in the
 * history of the workflows that signal it.
 */
export function playbookWorkflowId(principals: Principal[], tag?: (principalKeys: string) => string): string {
  const keys = [...new Set(principals.map(principalKey))].sort();
  if (tag) return `${INCIDENT_PREFIX}${tag(keys.join('+'))}`;
  const id = `${INCIDENT_PREFIX}${keys.join('+')}`;
  return id.length <= 400 ? id : `${INCIDENT_PREFIX}many/${keys.length}/${fnv1a64(keys.join('+'))}`;
}
