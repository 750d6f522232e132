// Revoker's own metrics, named once: the workflows and the worker record them through Temporal's metric meter (the
// worker's Prometheus endpoint, beside the SDK's own), the webhook through prom-client on its /metrics. The labels
// are bounded sets (a state, a provider, an action kind, an error class), never a principal, an alert id or a
// workflow id. docs/deploy/operations.md lists them for operators.

/** A metric: its name as Prometheus shows it, what it counts, its unit and the labels it carries. */
export interface MetricDefinition<L extends string = string> {
  name: string;
  help: string;
  unit: string;
  labels: readonly L[];
}

/**
 * Seconds from the incident's first alert (as its source observed it) to containment verified: every step that runs
 * acted and was read back, or failed. Recorded once per incident, labelled with the state it ended in.
 */
export const TIME_TO_CONTAIN = {
  name: 'revoker_time_to_contain_seconds',
  help: "Seconds from an incident's first alert (observedAt) to its containment verified, by the state it reached",
  unit: 's',
  labels: ['state'],
} as const satisfies MetricDefinition;

/** Time to contain runs from seconds (automatic steps) to days (an approval over a weekend). */
export const TIME_TO_CONTAIN_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14_400, 43_200, 86_400, 259_200];

/**
 * Incidents with a step waiting for a responder's decision, counted in Temporal's visibility
 * (`RevokerState = 'AwaitingApproval'`), so it stays right across workers, restarts and crashes.
 */
export const APPROVALS_WAITING = {
  name: 'revoker_approvals_waiting',
  help: 'Running incidents with a step awaiting approval (a count from Temporal visibility)',
  unit: 'incidents',
  labels: [],
} as const satisfies MetricDefinition;

/** The visibility query APPROVALS_WAITING counts. */
export const APPROVALS_WAITING_QUERY = "ExecutionStatus = 'Running' AND RevokerState = 'AwaitingApproval'";

/** A step whose change was not seen by its verification read (the step ends failed, VerificationFailed). */
export const VERIFICATION_FAILURES = {
  name: 'revoker_verification_failures_total',
  help: 'Containment steps whose change did not show when read back, by provider and action kind',
  unit: 'steps',
  labels: ['provider', 'kind'],
} as const satisfies MetricDefinition;

/**
 * A provider activity attempt that failed: the rate per provider is the cloud's (or Revoker's credentials') health;
 * the error class says whose fault (a throttle, a refusal, a timeout). Each retry that fails counts.
 */
export const PROVIDER_ERRORS = {
  name: 'revoker_provider_errors_total',
  help: 'Failed provider activity attempts, by provider and error class',
  unit: 'attempts',
  labels: ['provider', 'error'],
} as const satisfies MetricDefinition;

/** Alerts the webhook answered, by source route and HTTP status (202 accepted, 200 ignored, 4xx/5xx refused). */
export const ALERTS_RECEIVED = {
  name: 'revoker_alerts_total',
  help: 'Alert requests the webhook answered, by source and HTTP status',
  unit: 'requests',
  labels: ['source', 'status'],
} as const satisfies MetricDefinition;

/** One-click link and verified-identity decisions the link server answered, by HTTP status. */
export const LINK_REQUESTS = {
  name: 'revoker_link_requests_total',
  help: 'Requests to the one-click approval links (/links), by method and HTTP status',
  unit: 'requests',
  labels: ['method', 'status'],
} as const satisfies MetricDefinition;

/** A label value from open text (an error's name): at most 64 word characters, so a label set stays bounded. */
export function labelValue(text: string | undefined): string {
  const cleaned = (text ?? '').replace(/[^\w.-]/g, '_').slice(0, 64);
  return cleaned || 'unknown';
}
