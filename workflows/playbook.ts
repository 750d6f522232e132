import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AwsActivities } from '../activities/aws.js';
import type { EntraActivities } from '../activities/entra.js';
import type { GcpActivities } from '../activities/gcp.js';
import type { NotifyActivities } from '../activities/notify.js';
import type { NotifiedAction, PlaybookEvent } from '../activities/notify-message.js';
import type { Action } from '../domain/action.js';
import type { Alert } from '../domain/alert.js';
import { allowlisted } from '../domain/allowlist.js';
import type { Decision } from '../domain/decision.js';
import type { Discovery } from '../domain/discovery.js';
import {
  alertSignal,
  approveSignal,
  decideUpdate,
  MESSAGE_DESCRIPTIONS,
  rejectSignal,
  releaseSignal,
  statusQuery,
} from '../domain/messages.js';
import { durationMs } from '../domain/duration.js';
import { finalState, summarize } from '../domain/outcome.js';
import { planActions } from '../domain/plan.js';
import { approverIdentities } from '../domain/policy.js';
import { irreversibleSteps, releasableSteps, releaseBlocker } from '../domain/release.js';
import { DEFAULT_SETTINGS, type PlaybookInput } from '../domain/playbook-input.js';
import { describePrincipal, principalKey, type Principal } from '../domain/principal.js';
import type {
  ActionRecord,
  AlertSummary,
  CheckResult,
  PlaybookState,
  PlaybookStatus,
  PrincipalRecord,
  Report,
  StepOutcome,
} from '../domain/report.js';
import { FINAL_ACTION_STATUSES } from '../domain/report.js';
import {
  alertRef,
  alertRefs,
  initialSearchAttributes,
  RevokerAlertId,
  RevokerState,
} from '../domain/search-attributes.js';
import { NOTIFY_TASK_QUEUE, PROVIDER_TASK_QUEUES } from '../domain/task-queues.js';
import { applyDecision, applyRelease, refusal, type DecisionContext } from './decisions.js';
import { renderDetails } from './details.js';

// Must match activities/errors.ts; duplicated as strings because workflow code may not import activities.
const NON_RETRYABLE = ['TargetNotFoundError', 'PermissionDeniedError', 'InvalidRequestError', 'UnsafeStateError'];

/**
 * The containment playbook: triage (discover) ▶ plan ▶ approval gates ▶ act ▶ verify ▶ report.
 * Orchestration only: every side effect is an activity on its provider's task queue.
 */
export async function playbook(input: PlaybookInput): Promise<Report> {
  const settings = { ...DEFAULT_SETTINGS, ...input.settings };
  const activityOptions = (provider: keyof typeof PROVIDER_TASK_QUEUES): ActivityOptions => ({
    taskQueue: PROVIDER_TASK_QUEUES[provider],
    startToCloseTimeout: settings.activityTimeout,
    retry: {
      initialInterval: settings.retryInitialInterval,
      maximumInterval: settings.retryMaximumInterval,
      maximumAttempts: settings.retryMaximumAttempts,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  const aws = proxyActivities<AwsActivities>(activityOptions('aws'));
  const entra = proxyActivities<EntraActivities>(activityOptions('entra'));
  const gcp = proxyActivities<GcpActivities>(activityOptions('gcp'));
  // Notifications are best effort: a few quick attempts, bounded even when no worker polls the queue.
  const notifier = proxyActivities<NotifyActivities>({
    taskQueue: NOTIFY_TASK_QUEUE,
    startToCloseTimeout: '10s',
    scheduleToCloseTimeout: '1m',
    retry: {
      initialInterval: settings.retryInitialInterval,
      maximumInterval: settings.retryMaximumInterval,
      maximumAttempts: 3,
      backoffCoefficient: 2,
    },
  });
  /** Notifications in flight: awaited before the playbook returns, never by the step that sent them. */
  const notifications: Promise<void>[] = [];
  const escalations: ActionRecord[] = [];

  const status: PlaybookStatus = {
    workflowId: workflowInfo().workflowId,
    state: 'Triage',
    severity: input.alert.severity,
    alerts: [...(input.earlierAlerts ?? []), summarizeAlert(input.alert)],
    principals: input.alert.principals.map((p) => ({
      key: principalKey(p),
      label: describePrincipal(p),
      status: 'discovering',
    })),
    actions: [],
    decisions: [],
    startedAt: new Date().toISOString(),
    ...(input.dryRun ? { dryRun: true } : {}),
  };

  // Declared before the handlers: a Signal buffered before the first task (a merged alert, an early
  // approval) is delivered synchronously by setHandler, and its handler publishes.
  let publishedState: PlaybookState | undefined;
  let publishedAlertRefs = 0;
  // Histories recorded before releases existed have no window; a dry run changes nothing to release.
  const releaseWindowMs = input.dryRun ? 0 : durationMs(input.policy.releaseWindow ?? '0s');
  /** A release is accepted from the start until the release window after containment closes. */
  let releaseOpen = releaseWindowMs > 0;
  /** Release steps under way: each runs like any other step, approval gate included. */
  const releases: Promise<void>[] = [];
  /** A new alert about these principals after containment ended: the playbook starts over for it. */
  let lateAlert: Alert | undefined;

  const context = (): DecisionContext => ({
    decisions: status.decisions,
    policy: input.policy,
    severity: input.alert.severity,
    releaseOpen,
  });
  const record = (decision: Decision): Decision => {
    status.decisions.push(decision);
    const { verdict, approver, ignored } = decision;
    if (ignored) log.warn('decision ignored', { verdict, approver, why: ignored });
    publish();
    return decision;
  };
  const now = () => new Date().toISOString();
  const decide = (verdict: 'approve' | 'reject') => (payload: unknown) =>
    void record(applyDecision(status.actions, input.policy, verdict, payload, now()));

  function release(payload: unknown, link?: string): Decision {
    const { decision, reversals } = applyRelease(status.actions, context(), payload, now());
    status.actions.push(...reversals);
    releases.push(...reversals.map((r) => runAction(r)));
    const recorded = record({ ...decision, ...(link ? { link } : {}) });
    const waiting = reversals.filter((r) => r.status === 'awaiting-approval');
    if (waiting.length) requestApproval(waiting, `Release requested by ${decision.approver}`);
    return recorded;
  }

  setHandler(approveSignal, decide('approve'), { description: MESSAGE_DESCRIPTIONS.approve });
  setHandler(rejectSignal, decide('reject'), { description: MESSAGE_DESCRIPTIONS.reject });
  setHandler(releaseSignal, (payload) => void release(payload), { description: MESSAGE_DESCRIPTIONS.release });
  setHandler(alertSignal, (alert) => mergeAlert(alert), { description: MESSAGE_DESCRIPTIONS.alert });
  setHandler(statusQuery, () => status, { description: MESSAGE_DESCRIPTIONS.status });
  setHandler(
    decideUpdate,
    ({ verdict, link, ...request }) => {
      if (verdict === 'release') return release(request, link);
      const decision = applyDecision(status.actions, input.policy, verdict, request, now());
      return record({ ...decision, ...(link ? { link } : {}) });
    },
    {
      validator: (request) => {
        const why = refusal(status.actions, context(), request);
        if (why) throw ApplicationFailure.create({ type: 'DecisionRefused', message: why, nonRetryable: true });
      },
      description: MESSAGE_DESCRIPTIONS.decide,
    },
  );

  function mergeAlert(alert: Alert): void {
    if (status.alerts.some((a) => a.source === alert.source && a.id === alert.id)) return;
    status.alerts.push(summarizeAlert(alert));
    // In a storm the list is soon full: no command (and no history event) for alerts that would not show.
    const refs = alertRefs(status.alerts);
    if (refs.length > publishedAlertRefs) {
      upsertSearchAttributes([{ key: RevokerAlertId, value: refs }]);
      publishedAlertRefs = refs.length;
    }
    if (status.containedAt && releases.length === 0) lateAlert ??= alert;
    publish();
  }

  /** Mirrors the status into the UI: current details always, the state search attribute on change. */
  function publish(): void {
    if (!status.finishedAt && status.actions.length) status.state = runningState();
    if (status.state !== publishedState) {
      upsertSearchAttributes([{ key: RevokerState, value: status.state }]);
      publishedState = status.state;
    }
    setCurrentDetails(renderDetails(status));
  }

  function runningState(): PlaybookState {
    if (status.actions.some((r) => r.status === 'awaiting-approval' && !r.decidedBy)) return 'AwaitingApproval';
    if (releases.length) return 'Releasing';
    return status.containedAt ? finalState(status) : 'Containing';
  }

  // Also set by the client at start; repeated so a playbook started any other way is filed the same.
  const filedUnder = initialSearchAttributes(input.alert).filter((pair) => pair.key.name !== RevokerAlertId.name);
  publishedAlertRefs = alertRefs(status.alerts).length;
  upsertSearchAttributes([...filedUnder, { key: RevokerAlertId, value: alertRefs(status.alerts) }]);
  publishedState = 'Triage';
  publish();

  // Triage: skip known automation, then read each principal's state. One principal's failure does not stop the others.
  const discoveries = await Promise.all(
    input.alert.principals.map(async (principal, index) => {
      const record = status.principals[index] as PrincipalRecord;
      // Histories recorded before allowlists existed carry no list.
      const exempt = allowlisted(input.policy.allowlist ?? [], principal);
      if (exempt) {
        record.status = 'allowlisted';
        record.allowlistReason = exempt.reason;
        return [];
      }
      try {
        const discovery = await discover(principal);
        record.status = 'examined';
        return [{ principal: record.key, discovery }];
      } catch (error) {
        record.status = 'failed';
        record.error = failureOf(error);
        return [];
      }
    }),
  );

  status.actions = planActions({
    severity: input.alert.severity,
    policy: input.policy,
    discoveries: discoveries.flat(),
  }).map((action): ActionRecord => ({
    action,
    // A dry run waits for no one: its approval gates show in each step's mode.
    status:
      action.mode === 'skip'
        ? 'skipped'
        : action.mode === 'approval' && !input.dryRun
          ? 'awaiting-approval'
          : 'planned',
    ...(action.mode === 'skip' ? { note: 'skipped by policy' } : {}),
  }));
  publish();
  if (input.dryRun) return rehearse();
  const waiting = status.actions.filter((r) => r.status === 'awaiting-approval');
  if (waiting.length) requestApproval(waiting, input.alert.title);

  await Promise.all(status.actions.map((r) => runAction(r)));

  // Contained (or not): the playbook stays open for a release while reversible steps took effect.
  status.containedAt = now();
  const releasable = releasableSteps(status.actions);
  const waitForRelease = releaseOpen && releasable.length > 0 && releases.length === 0;
  if (waitForRelease) status.releaseUntil = new Date(Date.now() + releaseWindowMs).toISOString();
  publish();
  notify({
    kind: 'completed',
    state: status.state,
    summary: summarize(status),
    residualRisks: residualRisks().length,
    ...(waitForRelease ? { releasable: releasable.map(notified), linksExpireAt: status.releaseUntil } : {}),
  });
  if (waitForRelease) await condition(() => releases.length > 0 || lateAlert !== undefined, releaseWindowMs);
  releaseOpen = false;
  delete status.releaseUntil;
  const released = releases.length > 0;
  // Each release step settles by itself; a release during containment may have added more meanwhile.
  for (let i = 0; i < releases.length; i += 1) await releases[i];

  status.finishedAt = now();
  status.state = finalState(status);
  publish();
  const report: Report = {
    ...status,
    summary: summarize(status),
    residualRisks: residualRisks(),
    irreversible: irreversibleSteps(status.actions),
  };
  if (released) {
    notify({
      kind: 'completed',
      state: report.state,
      summary: report.summary,
      residualRisks: report.residualRisks.length,
    });
  }
  // Each settles by itself (sent, or failed and logged) within its schedule-to-close timeout; the list may grow meanwhile.
  for (let i = 0; i < notifications.length; i += 1) await notifications[i];
  await condition(allHandlersFinished);
  if (lateAlert && !released) {
    // A new alert after containment may mean new credentials or sessions: triage again from the start.
    log.info('a new alert arrived after containment: starting over', { alert: alertRef(lateAlert) });
    const earlierAlerts = status.alerts.filter((a) => a.source !== lateAlert?.source || a.id !== lateAlert.id);
    return continueAsNew<typeof playbook>({ ...input, alert: lateAlert, earlierAlerts });
  }
  return report;

  /**
   * A dry run: each step's verification is its read-only half — it reads the target and says whether
   * the step's end state already holds — so the preview is what the real run would change, and nothing does.
   */
  async function rehearse(): Promise<Report> {
    const at = now();
    await Promise.all(
      status.actions
        .filter((r) => r.status !== 'skipped')
        .map(async (record) => {
          try {
            const check = await verify(record.action, at);
            record.preview = { changes: !check.ok, current: check.evidence };
            finish(record, 'previewed');
          } catch (error) {
            finish(record, 'failed', { error: failureOf(error) });
          }
        }),
    );
    status.finishedAt = now();
    status.state = 'DryRun';
    publish();
    await condition(allHandlersFinished);
    return {
      ...status,
      summary: summarize(status),
      residualRisks: residualRisks(),
      irreversible: [],
    };
  }

  function residualRisks(): Report['residualRisks'] {
    return status.actions
      .filter((r) => r.status === 'done' || r.status === 'already' || r.preview?.changes)
      .map((r) => ({ action: r.action.id, risk: r.action.residualRisk }));
  }

  function requestApproval(waiting: ActionRecord[], title: string): void {
    const { severity } = input.alert;
    const linksExpireAt = new Date(Date.now() + durationMs(input.policy.approvalTimeout)).toISOString();
    notify({ kind: 'approval-requested', title, severity, actions: waiting.map(notified), linksExpireAt });
  }

  function notify(event: PlaybookEvent): void {
    // Histories recorded before notifications existed replay without them.
    if (!patched('notifications')) return;
    notifications.push(
      notifier.notify(event).then(
        () => undefined,
        (error: unknown) => log.warn('notification not sent', { kind: event.kind, error: failureOf(error) }),
      ),
    );
  }

  /** Steps whose approval windows close together (they all started waiting at planning) make one message. */
  function escalate(record: ActionRecord): void {
    escalations.push(record);
    if (escalations.length > 1) return;
    notifications.push(
      Promise.resolve().then(() =>
        notify({
          kind: 'escalated',
          timeout: input.policy.approvalTimeout,
          actions: escalations.splice(0).map(notified),
          linksExpireAt: new Date(Date.now() + durationMs(input.policy.approvalTimeout)).toISOString(),
        }),
      ),
    );
  }

  function notified(record: ActionRecord): NotifiedAction {
    const approvers = approverIdentities(input.policy, record.action.kind);
    return { id: record.action.id, description: record.action.description, ...(approvers ? { approvers } : {}) };
  }

  async function discover(principal: Principal): Promise<Discovery> {
    switch (principal.type) {
      case 'aws.user':
      case 'aws.role':
      case 'aws.accessKey':
        return aws.discoverAwsPrincipal(principal);
      case 'entra.user':
      case 'entra.servicePrincipal':
        return entra.discoverEntraPrincipal(principal);
      case 'gcp.serviceAccount':
      case 'gcp.key':
        return gcp.discoverGcpPrincipal(principal);
    }
  }

  async function runAction(record: ActionRecord): Promise<void> {
    const isFinal = () => FINAL_ACTION_STATUSES.includes(record.status);
    const dependencies = record.action.dependsOn.map((id) => status.actions.find((r) => r.action.id === id));
    if (record.status === 'awaiting-approval') {
      const timeout = input.policy.approvalTimeout;
      const decision = () => record.decidedBy !== undefined || isFinal();
      if (!(await condition(decision, timeout))) {
        // Escalate once: the step waits another window (a notification announces it), then the policy decides.
        record.escalatedAt = new Date().toISOString();
        log.warn('approval timed out: escalated', { action: record.action.id, timeout });
        publish();
        escalate(record);
        if (!(await condition(decision, timeout))) {
          const outcome = input.policy.onTimeout?.[record.action.kind] ?? 'abort';
          const why = `no decision within ${timeout}, escalated, and none within another ${timeout}`;
          if (outcome === 'abort') return finish(record, 'skipped', { note: `${why}: aborted by policy` });
          record.decidedBy = { approver: 'policy (onTimeout: proceed)', at: new Date().toISOString(), reason: why };
        }
      }
    }
    if (isFinal()) return;
    // Wait for dependencies; a step whose prerequisite did not succeed must not run (never delete an active key).
    await condition(() => dependencies.every((d) => d && FINAL_ACTION_STATUSES.includes(d.status)));
    if (record.action.reverses) {
      const why = releaseBlocker(record, status.actions);
      if (why) return finish(record, 'skipped', { note: why });
    } else {
      const blocker = dependencies.find((d) => d && d.status !== 'done' && d.status !== 'already');
      if (blocker) return finish(record, 'skipped', { note: `${blocker.action.id} ${blocker.status}` });
    }

    record.status = 'running';
    record.startedAt = new Date().toISOString();
    publish();
    try {
      const outcome = await execute(record.action, record.startedAt);
      record.observed = outcome.observed;
      record.requestId = outcome.requestId;
      record.status = 'verifying';
      publish();
      const check = await verify(record.action, record.startedAt);
      record.verification = { ...check, checkedAt: new Date().toISOString() };
      if (check.ok) return finish(record, outcome.outcome);
      log.error('verification failed', { action: record.action.id, evidence: check.evidence });
      return finish(record, 'failed', {
        error: { type: 'VerificationFailed', message: `the change did not take effect: ${check.evidence}` },
      });
    } catch (error) {
      return finish(record, 'failed', { error: failureOf(error) });
    }
  }

  function finish(record: ActionRecord, final: ActionRecord['status'], extra: Partial<ActionRecord> = {}): void {
    Object.assign(record, extra, { status: final, finishedAt: new Date().toISOString() });
    publish();
  }

  function execute(action: Action, at: string): Promise<StepOutcome> {
    switch (action.kind) {
      case 'aws.deactivateAccessKey':
        return aws.deactivateAwsAccessKey(action.target);
      case 'aws.deleteAccessKey':
        return aws.deleteAwsAccessKey(action.target);
      case 'aws.denyUserSessions':
        return aws.denyAwsUserSessions(action.target);
      case 'aws.revokeRoleSessions':
        // The workflow's clock is deterministic, so a retry or replay revokes with the same cut-off.
        return aws.revokeAwsRoleSessions({ ...action.target, issuedBefore: at });
      case 'entra.revokeUserSessions':
        return entra.revokeEntraUserSessions({ ...action.target, at });
      case 'entra.disableUser':
        return entra.disableEntraUser(action.target);
      case 'entra.removeServicePrincipalCredentials':
        return entra.removeEntraServicePrincipalCredentials(action.target);
      case 'entra.deleteConsentGrants':
        return entra.deleteEntraConsentGrants(action.target);
      case 'entra.disableServicePrincipal':
        return entra.disableEntraServicePrincipal(action.target);
      case 'gcp.disableKey':
        return gcp.disableGcpKey(action.target);
      case 'gcp.deleteKey':
        return gcp.deleteGcpKey(action.target);
      case 'gcp.disableServiceAccount':
        return gcp.disableGcpServiceAccount(action.target);
      case 'aws.reactivateAccessKey':
        return aws.reactivateAwsAccessKey(action.target);
      case 'aws.removeUserDeny':
        return aws.removeAwsUserDeny(action.target);
      case 'aws.removeRoleRevocation':
        return aws.removeAwsRoleRevocation({ ...action.target, issuedBefore: revokedAt(action) });
      case 'entra.enableUser':
        return entra.enableEntraUser(action.target);
      case 'entra.enableServicePrincipal':
        return entra.enableEntraServicePrincipal(action.target);
      case 'gcp.enableKey':
        return gcp.enableGcpKey(action.target);
      case 'gcp.enableServiceAccount':
        return gcp.enableGcpServiceAccount(action.target);
    }
  }

  function verify(action: Action, at: string): Promise<CheckResult> {
    switch (action.kind) {
      case 'aws.deactivateAccessKey':
        return aws.verifyAwsAccessKey({ ...action.target, expected: 'Inactive' });
      case 'aws.deleteAccessKey':
        return aws.verifyAwsAccessKey({ ...action.target, expected: 'deleted' });
      case 'aws.denyUserSessions':
        return aws.verifyAwsUserDenied(action.target);
      case 'aws.revokeRoleSessions':
        return aws.verifyAwsRoleSessionsRevoked({ ...action.target, issuedBefore: at });
      case 'entra.revokeUserSessions':
        return entra.verifyEntraUserSessionsRevoked({ ...action.target, at });
      case 'entra.disableUser':
        return entra.verifyEntraUserDisabled(action.target);
      case 'entra.removeServicePrincipalCredentials':
        return entra.verifyEntraServicePrincipalCredentialsRemoved(action.target);
      case 'entra.deleteConsentGrants':
        return entra.verifyEntraConsentGrantsDeleted(action.target);
      case 'entra.disableServicePrincipal':
        return entra.verifyEntraServicePrincipalDisabled(action.target);
      case 'gcp.disableKey':
        return gcp.verifyGcpKey({ ...action.target, expected: 'disabled' });
      case 'gcp.deleteKey':
        return gcp.verifyGcpKey({ ...action.target, expected: 'deleted' });
      case 'gcp.disableServiceAccount':
        return gcp.verifyGcpServiceAccountDisabled(action.target);
      case 'aws.reactivateAccessKey':
        return aws.verifyAwsAccessKey({ ...action.target, expected: 'Active' });
      case 'aws.removeUserDeny':
        return aws.verifyAwsUserDenyRemoved(action.target);
      case 'aws.removeRoleRevocation':
        return aws.verifyAwsRoleRevocationRemoved({ ...action.target, issuedBefore: revokedAt(action) });
      case 'entra.enableUser':
        return entra.verifyEntraUserEnabled(action.target);
      case 'entra.enableServicePrincipal':
        return entra.verifyEntraServicePrincipalEnabled(action.target);
      case 'gcp.enableKey':
        return gcp.verifyGcpKey({ ...action.target, expected: 'enabled' });
      case 'gcp.enableServiceAccount':
        return gcp.verifyGcpServiceAccountEnabled(action.target);
    }
  }

  /** The cut-off the revocation being undone used: the start of the step that put it on. */
  function revokedAt(action: Action): string {
    const revocation = status.actions.find((r) => r.action.id === action.reverses);
    if (!revocation?.startedAt) throw new Error(`${action.id} undoes ${String(action.reverses)}, which never ran`);
    return revocation.startedAt;
  }
}

function summarizeAlert(alert: Alert): AlertSummary {
  const { source, id, title, severity, observedAt, link } = alert;
  return { source, id, title, severity, observedAt, ...(link ? { link } : {}), receivedAt: new Date().toISOString() };
}

/** The innermost ApplicationFailure's type and message: what the activity said went wrong. */
function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}
