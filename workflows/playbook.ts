import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  isCancellation,
  condition,
  continueAsNew,
  deprecatePatch,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FilingActivities } from '../activities/filing.js';
import type { NotifyActivities } from '../activities/notify.js';
import type { NotifiedAction, PlaybookEvent } from '../activities/notify-message.js';
import { Alert, Severity } from '../domain/alert.js';
import { allowlisted, allowlistedDiscovery } from '../domain/allowlist.js';
import { brief, describeIssues } from '../domain/issues.js';
import type { Decision, Verdict } from '../domain/decision.js';
import { discoveredKeys, type Discovery } from '../domain/discovery.js';
import { triageCard } from '../domain/card.js';
import { controlOwner, HoldersChangedSchema, incidentOf } from '../domain/ledger.js';
import { residualRisks as residualRisksOf } from '../domain/residual.js';
import {
  AlertPage,
  alertRefsQuery,
  alertSignal,
  approvalRulesQuery,
  approveSignal,
  decideUpdate,
  hasAlertsQuery,
  holdersSignal,
  IntakeRequest,
  intakeUpdate,
  type IntakeOutcome,
  MESSAGE_DESCRIPTIONS,
  rejectSignal,
  releaseSignal,
  statusQuery,
} from '../domain/messages.js';
import { durationMs } from '../domain/duration.js';
import { finalState, stateLabel, summarize } from '../domain/outcome.js';
import { recordTimeToContain } from './metrics.js';
import { actionId, actionOf, goneCredential, type Action } from '../domain/action.js';
import { planActions } from '../domain/plan.js';
import { approverIdentities, modeFor, samePerson, sweepPolicyOf } from '../domain/policy.js';
import { approvalRulesOf } from '../domain/approval-words.js';
import { findingMode, type Containment } from '../domain/sweep-plan.js';
import { irreversibleSteps, releasableSteps } from '../domain/release.js';
import { DEFAULT_SETTINGS, UPDATES_PER_RUN, type PlaybookInput } from '../domain/playbook-input.js';
import { describePrincipal, principalKey, type Principal } from '../domain/principal.js';
import type {
  ActionRecord,
  AlertSummary,
  EarlierCut,
  PlaybookState,
  PlaybookStatus,
  PrincipalRecord,
  Report,
} from '../domain/report.js';
import { awaitsDecision, FINAL_ACTION_STATUSES } from '../domain/report.js';
import {
  alertRef,
  alertRefs,
  initialSearchAttributes,
  RevokerAlertId,
  RevokerHandle,
  RevokerPrincipal,
  RevokerSeverity,
  RevokerState,
} from '../domain/search-attributes.js';
import { incidentHandle } from '../domain/handle.js';
import { NOTIFY_TASK_QUEUE } from '../domain/task-queues.js';
import {
  applyDecision,
  applyRelease,
  approverOf,
  refusal,
  unverifiedRefusal,
  type DecisionContext,
} from './decisions.js';
import { renderDetails } from './details.js';
import { createSteps, failureOf, stepActivities } from './step.js';
import { createSweeper } from './sweep.js';

/** Residual risks a completion message lists (it counts them all). */
const RISKS_IN_CHAT = 3;

/**
 * The containment playbook: triage (discover) ▶ plan ▶ approval gates ▶ act ▶ verify ▶ report.
 * Orchestration only: every side effect is an activity on its provider's task queue; each step's
 * state machine (decision, escalation, ledger, act, verify) is workflows/step.ts.
 */
export async function playbook(input: PlaybookInput): Promise<Report> {
  const settings = { ...DEFAULT_SETTINGS, ...input.settings };
  // Reversible controls are held in each principal's ledger (workflows/principal.ts), shared by every
  // incident that relies on them; a dry run holds nothing. Runs recorded before the ledger replay without
  // it: test/histories/*.v1.json (e.g. aws-approve-all.v1.json) have no principal-ledger marker.
  const sharedControls = !input.dryRun && patched('principal-ledger');
  /** This incident as a holder: a later run under the same workflow id (a new incident) is another holder. */
  const holder = `${workflowInfo().workflowId}#${workflowInfo().firstExecutionRunId}`;
  const activities = stepActivities(settings);
  const { aws, entra, gcp, workspace, kubernetes } = activities;
  // RevokerPrincipal holds keyed hashes of the principal keys, which the worker computes (workflow code
  // holds no key), so visibility names no principal. Runs recorded before replay filing the names.
  const filedByTag = patched('principal-tags');
  const filing = proxyLocalActivities<FilingActivities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 5 } });
  /** The tag each filed principal key has, once the worker said. */
  const tags = new Map<string, string>();
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
  /** A fresh-links message is scheduled for the decisions of this activation (offerFreshLinks). */
  let freshLinksDue = false;

  /** The incident this run continues mid-way, when its history grew long (see rollOver). */
  const resumed = input.resume;
  const status: PlaybookStatus = resumed
    ? { ...resumed.status, continuedAsNew: (resumed.status.continuedAsNew ?? 0) + 1 }
    : {
        workflowId: workflowInfo().workflowId,
        state: 'Triage',
        severity: input.alert.severity,
        alerts: keptAlerts([...(input.earlierAlerts ?? []), summarizeAlert(input.alert)]),
        principals: input.alert.principals.map((p) => ({
          key: principalKey(p),
          label: describePrincipal(p),
          status: 'discovering',
        })),
        actions: [],
        decisions: [],
        startedAt: new Date().toISOString(),
        ...(input.dryRun ? { dryRun: true } : {}),
        ...(sharedControls ? { sharedControls } : {}),
      };
  /** Every principal the incident covers: the opening alert's, and those merged alerts added. */
  const principals: Principal[] = resumed ? [...resumed.principals] : [...input.alert.principals];
  /** Every name the incident is filed under (RevokerPrincipal): its principals', and what discovery found. */
  const filed = new Set<string>(resumed?.filedUnder ?? status.principals.map((p) => p.key));
  /** Principals being triaged after planning (added by a merged alert). */
  let triaging = 0;
  /** Containment steps not yet finished. */
  let pendingSteps = 0;
  /** Planning is done: added principals' steps are checked against the plan. */
  let planned = resumed !== undefined;
  /** Updates this run took: Temporal caps a run's Updates, so the incident continues as new before. */
  let updatesThisRun = 0;
  /** Set as containment begins: this run may continue as new when its history grows long. */
  let mayRollOver = false;

  /** Every alert this incident has had, exactly (carried across continue-as-new): resends are duplicates. */
  const seen = new Set<string>([...(input.seenAlerts ?? []), alertRef(input.alert)]);
  /** The alert this run was started with is answered `started` once, to the intake that started it. */
  let startAnswered = input.seenAlerts !== undefined;
  status.alertCount = seen.size;
  const steps = createSteps({
    status,
    policy: input.policy,
    sharedControls,
    holder,
    activities,
    publish,
    escalate,
    settings,
  });
  const { finish } = steps;
  // After the first containment the audit trails are read for what the stolen credentials did, and after
  // containment the cut credentials are watched (a dry run changes nothing to watch). Runs recorded before replay without it.
  const sweeping = !input.dryRun && sweepPolicyOf(input.policy).enabled && patched('sweep');
  const sweeper = createSweeper({ status, policy: input.policy, settings, publish, notify, adopt });

  // Declared before the handlers: a Signal buffered before the first task (a merged alert, an early
  // approval) is delivered synchronously by setHandler, and its handler publishes.
  let publishedState: PlaybookState | undefined;
  let publishedAlertRefs = 0;
  // A dry run changes nothing to release.
  const releaseWindowMs = input.dryRun ? 0 : durationMs(input.policy.releaseWindow);
  /** A release is accepted from the start until the release window after containment closes. */
  let releaseOpen = resumed ? resumed.releaseOpen : releaseWindowMs > 0;
  /** Release steps under way: each runs like any other step, approval gate included. */
  const releases: Promise<void>[] = [];
  /** A new alert about these principals after containment ended: the playbook starts over for it. */
  let lateAlert: Alert | undefined;

  const context = (): DecisionContext => ({
    workflowId: workflowInfo().workflowId,
    decisions: status.decisions,
    policy: input.policy,
    severity: input.alert.severity,
    releaseOpen,
    sharedControls,
  });
  const record = (decided: Decision): Decision => {
    const decision = decided.ignored ? { ...decided, ignored: brief(decided.ignored) } : decided;
    status.decisions.push(decision);
    const { verdict, approver, ignored } = decision;
    if (ignored) {
      noteIgnored(verdict, ignored, approver);
      // Ignored decisions change nothing: only the latest stay listed, so a flood of bad Signals stays bounded.
      const kept = status.decisions.filter((d) => d.ignored);
      if (kept.length > IGNORED_KEPT) status.decisions.splice(status.decisions.indexOf(kept[0] as Decision), 1);
    }
    publish();
    if (!ignored && verdict !== 'release' && decision.actions.length) offerFreshLinks(decision);
    return decision;
  };
  /** Records a message that changed nothing, with why: shown in Current Details, the status and the report. */
  function noteIgnored(message: string, reason: string, approver?: string): void {
    const why = brief(reason);
    log.warn('message ignored', { message, approver, why });
    const ignored = (status.ignored ??= { count: 0, latest: [] });
    ignored.count += 1;
    ignored.latest.push({ message, at: now(), reason: why, ...(approver ? { approver: brief(approver, 128) } : {}) });
    if (ignored.latest.length > IGNORED_KEPT) ignored.latest.shift();
  }
  /**
   * Whatever a person types into Send a Signal reaches these handlers. A handler that throws fails the
   * workflow task on every retry and wedges the playbook, so anything unforeseen is recorded as ignored.
   */
  const guarded =
    (message: string, handler: (payload: unknown) => void) =>
    (payload: unknown): void => {
      try {
        handler(payload);
      } catch (error) {
        noteIgnored(message, `could not be applied: ${error instanceof Error ? error.message : String(error)}`);
        publish();
      }
    };
  const now = () => new Date().toISOString();
  /**
   * Under `trustedIdentities: oidc` a Signal's approver is whatever its sender typed: it is recorded as
   * ignored and decides nothing, for every step (a lone approval or a rejection included).
   */
  const unverifiedSignal = (verdict: Verdict, payload: unknown): Decision | undefined => {
    if (input.policy.trustedIdentities !== 'oidc' || !patched('verified-identities')) return undefined;
    const ignored = unverifiedRefusal(input.policy, undefined);
    return ignored ? { verdict, approver: approverOf(payload), actions: [], at: now(), ignored } : undefined;
  };
  const decide = (verdict: 'approve' | 'reject') => (payload: unknown) =>
    void record(
      unverifiedSignal(verdict, payload) ?? applyDecision(status.actions, input.policy, verdict, payload, now()),
    );

  function release(payload: unknown, via: Pick<Decision, 'link' | 'verifiedBy'> = {}): Decision {
    const unverified = via.verifiedBy ? undefined : unverifiedSignal('release', payload);
    if (unverified) return record(unverified);
    const { decision, reversals } = applyRelease(status.actions, context(), payload, now());
    status.actions.push(...reversals);
    releases.push(...reversals.map((r) => handled(steps.run(r))));
    const recorded = record({ ...decision, ...via });
    const waiting = reversals.filter(awaitsDecision);
    if (waiting.length) requestApproval(waiting, `Release requested by ${decision.approver}`);
    return recorded;
  }

  setHandler(approveSignal, guarded('approve', decide('approve')), { description: MESSAGE_DESCRIPTIONS.approve });
  setHandler(rejectSignal, guarded('reject', decide('reject')), { description: MESSAGE_DESCRIPTIONS.reject });
  setHandler(
    releaseSignal,
    guarded('release', (payload) => void release(payload)),
    { description: MESSAGE_DESCRIPTIONS.release },
  );
  setHandler(
    alertSignal,
    guarded('alert', (payload) => {
      const parsed = Alert.safeParse(payload);
      if (parsed.success) return mergeAlert(parsed.data);
      noteIgnored('alert', `invalid alert (${describeIssues(parsed.error, 5)})`);
      publish();
    }),
    { description: MESSAGE_DESCRIPTIONS.alert },
  );
  setHandler(statusQuery, () => status, { description: MESSAGE_DESCRIPTIONS.status });
  setHandler(approvalRulesQuery, () => approvalRulesOf(input.policy), {
    description: MESSAGE_DESCRIPTIONS.approvalRules,
  });
  setHandler(
    intakeUpdate,
    ({ alerts }) => {
      updatesThisRun += 1;
      return { outcomes: intake(alerts), runId: workflowInfo().runId };
    },
    {
      validator: (request) => {
        const parsed = IntakeRequest.safeParse(request);
        if (!parsed.success) {
          throw ApplicationFailure.create({
            type: 'InvalidAlert',
            message: describeIssues(parsed.error, 5),
            nonRetryable: true,
          });
        }
      },
      description: MESSAGE_DESCRIPTIONS.intake,
    },
  );
  setHandler(
    alertRefsQuery,
    (page) => {
      const { offset, limit } = AlertPage.parse(page ?? {});
      return { total: seen.size, refs: [...seen].slice(offset, offset + limit) };
    },
    { description: MESSAGE_DESCRIPTIONS.alertRefs },
  );
  setHandler(hasAlertsQuery, (refs) => (Array.isArray(refs) ? refs.map((ref) => seen.has(String(ref))) : []), {
    description: MESSAGE_DESCRIPTIONS.hasAlerts,
  });
  setHandler(
    holdersSignal,
    guarded('holders', (payload) => {
      const parsed = HoldersChangedSchema.safeParse(payload);
      if (!parsed.success) return void noteIgnored('holders', `invalid holders (${describeIssues(parsed.error, 5)})`);
      const { incident, control, heldBy } = parsed.data;
      if (incident !== holder) return; // meant for an earlier incident under this workflow id
      const held = status.actions.find((r) => r.action.id === control && !r.action.reverses);
      if (!held) return;
      if (heldBy.length) held.sharedWith = [...new Set(heldBy.map(incidentOf))];
      else delete held.sharedWith;
      publish();
    }),
    { description: MESSAGE_DESCRIPTIONS.holders },
  );
  setHandler(
    decideUpdate,
    // The seal was checked by the validator; the decision records how the approver was verified, not the proof.
    ({ verdict, link, verifiedBy, seal: _seal, ...request }) => {
      updatesThisRun += 1;
      const via = { ...(link ? { link } : {}), ...(verifiedBy ? { verifiedBy } : {}) };
      if (verdict === 'release') return release(request, via);
      const decision = applyDecision(status.actions, input.policy, verdict, request, now());
      return record({ ...decision, ...via });
    },
    {
      validator: (request) => {
        let why: string | undefined;
        try {
          why = refusal(status.actions, context(), request);
        } catch (error) {
          why = `could not be applied: ${error instanceof Error ? error.message : String(error)}`;
        }
        // A refusal is the caller's answer; Temporal writes no event for it, so the status cannot keep it.
        if (why) throw ApplicationFailure.create({ type: 'DecisionRefused', message: brief(why), nonRetryable: true });
      },
      description: MESSAGE_DESCRIPTIONS.decide,
    },
  );

  function intake(alerts: Alert[]): IntakeOutcome[] {
    const outcomes = alerts.map((alert): IntakeOutcome => {
      const ref = alertRef(alert);
      if (!startAnswered && ref === alertRef(input.alert)) {
        startAnswered = true;
        return 'started';
      }
      if (seen.has(ref)) return 'duplicate';
      mergeAlert(alert);
      return 'merged';
    });
    publish();
    return outcomes;
  }

  function mergeAlert(alert: Alert): void {
    const ref = alertRef(alert);
    if (seen.has(ref)) return;
    seen.add(ref);
    status.alertCount = seen.size;
    status.alerts = keptAlerts([...status.alerts, summarizeAlert(alert)]);
    // In a storm the list is soon full: no command (and no history event) for alerts that would not show.
    const refs = alertRefs(status.alerts);
    if (refs.length > publishedAlertRefs) {
      upsertSearchAttributes([{ key: RevokerAlertId, value: refs }]);
      publishedAlertRefs = refs.length;
    }
    // After containment a new alert may mean new credentials or sessions: the incident starts over once
    // it settles, a release under way included (runs recorded before that replay without it).
    if (status.containedAt && (releases.length === 0 || patched('alert-after-release'))) lateAlert ??= alert;
    else if (!status.containedAt) {
      if (Severity.options.indexOf(alert.severity) > Severity.options.indexOf(status.severity)) {
        // Runs recorded before merged alerts re-planned replay without it: merged-alert.v1.json merges a
        // high alert into a medium incident, and has no severity-replan marker.
        if (patched('severity-replan')) raiseSeverity(alert);
      }
      const added = uncovered(alert.principals);
      // Runs recorded before merged alerts added principals replay without it.
      if (added.length && !input.dryRun && patched('merged-principals')) {
        void extend(alert, added).catch((error: unknown) => {
          if (!isCancellation(error)) log.error('could not add principals', { error: String(error) });
        });
      }
    }
    publish();
  }

  /** The principals named that the incident does not cover yet, by any of their names. */
  function uncovered(named: Principal[]): Principal[] {
    const keys = new Set<string>();
    return named.filter((p) => {
      const key = principalKey(p);
      if (filed.has(key) || keys.has(key)) return false;
      keys.add(key);
      return true;
    });
  }

  /**
   * A merged alert names principals the incident does not cover: they are triaged, planned at the
   * incident's severity and contained like the first ones, and the status says which alert added them.
   */
  async function extend(alert: Alert, added: Principal[]): Promise<void> {
    triaging += 1;
    try {
      const records = added.map((p): PrincipalRecord => {
        const record: PrincipalRecord = { key: principalKey(p), label: describePrincipal(p), status: 'discovering' };
        status.principals.push(record);
        principals.push(p);
        filed.add(record.key);
        return record;
      });
      fileUnderFiled();
      publish();
      const found = await triage(added, records);
      fileUnderEveryName(found.map((d) => d.discovery));
      await condition(() => planned);
      const fresh = addPlan(found, status.severity);
      notePlanChange({
        alert: alertRef(alert),
        at: now(),
        severity: status.severity,
        runNow: [],
        added: records.map((r) => r.key),
      });
      publish();
      const waiting = fresh.filter(awaitsDecision);
      if (waiting.length) requestApproval(waiting, alert.title);
      for (const record of fresh) track(steps.run(record));
    } finally {
      triaging -= 1;
    }
  }

  /** Counts a containment step until it ends (steps never throw: a failure is the step's result). */
  function track(step: Promise<void>): void {
    pendingSteps += 1;
    const done = () => {
      pendingSteps -= 1;
    };
    // A cancelled incident's steps reject with the cancellation, which contain() meets and reports.
    void step.then(done, (error: unknown) => {
      done();
      if (!isCancellation(error)) log.error('a step threw', { error: String(error) });
    });
  }

  /**
   * Triage: skip known automation, then read each principal's state. One principal's failure does not
   * stop the others.
   */
  async function triage(
    named: Principal[],
    records: PrincipalRecord[],
  ): Promise<{ principal: string; discovery: Discovery }[]> {
    const discoveries = await Promise.all(
      named.map(async (principal, index) => {
        const record = records[index] as PrincipalRecord;
        const exempt = allowlisted(input.policy.allowlist, principal);
        if (exempt) {
          record.status = 'allowlisted';
          record.allowlistReason = exempt.reason;
          return [];
        }
        try {
          const discovery = await discover(principal);
          // Shown even when the allowlist then leaves it alone, so the responder sees what was let be.
          record.card = triageCard(discovery);
          // Matched again on what discovery found: a CI user's key named only by its id is still the CI user's.
          const found = allowlistedDiscovery(input.policy.allowlist, discovery);
          if (found) {
            record.status = 'allowlisted';
            record.allowlistReason = found.reason;
            return [];
          }
          record.status = 'examined';
          return [{ principal: record.key, discovery }];
        } catch (error) {
          const cut = await containedEarlier(principal, error);
          if (cut) {
            record.status = 'contained';
            record.containedBy = cut;
            return [];
          }
          record.status = 'failed';
          record.error = failureOf(error);
          return [];
        }
      }),
    );
    return discoveries.flat();
  }

  /**
   * A key that no longer exists may be one an earlier incident deleted (or this one, before a new alert started it
   * over): then it is contained, by that incident, and not a principal that could not be examined.
   */
  async function containedEarlier(principal: Principal, error: unknown): Promise<EarlierCut | undefined> {
    if (input.dryRun || (principal.type !== 'aws.accessKey' && principal.type !== 'gcp.key')) return undefined;
    if (failureOf(error).type !== 'TargetNotFoundError') return undefined;
    const credential = principalKey(principal);
    const carried = input.earlierCuts?.find((c) => c.credential === credential);
    if (carried) return carried.cut;
    // Runs recorded before replay without the lookup.
    if (!patched('contained-already')) return undefined;
    try {
      return await activities.ledger.earlierCut({ credential });
    } catch (lookup) {
      if (isCancellation(lookup)) throw lookup;
      log.warn('could not look for an earlier incident that deleted the key', { error: failureOf(lookup) });
      return undefined;
    }
  }

  /** The credentials this incident deleted for good (or found deleted by another), as a later run is told of them. */
  function cutCredentials(): NonNullable<PlaybookInput['earlierCuts']> {
    const own = status.actions.flatMap((r) => {
      const credential = r.status === 'done' ? goneCredential(r.action) : undefined;
      if (!credential) return [];
      const cut: EarlierCut = {
        incident: status.workflowId,
        ...(status.handle ? { handle: status.handle } : {}),
        action: r.action.id,
        description: r.action.description,
        at: r.finishedAt ?? now(),
      };
      return [{ credential, cut }];
    });
    const earlier = status.principals.flatMap((p) =>
      p.status === 'contained' && p.containedBy ? [{ credential: p.key, cut: p.containedBy }] : [],
    );
    return [...own, ...earlier];
  }

  /** Plans the steps for what triage found, leaving out those the incident already has. */
  function addPlan(
    found: { principal: string; discovery: Discovery }[],
    severity: Severity,
    mode: (planned: Action['mode']) => Action['mode'] = (planned) => planned,
  ): ActionRecord[] {
    const known = new Set(status.actions.map((r) => r.action.id));
    const fresh = planActions({ severity, policy: input.policy, discoveries: found })
      .filter((action) => !known.has(action.id))
      .map((action) => recordOf(mode(action.mode) === action.mode ? action : { ...action, mode: mode(action.mode) }));
    status.actions.push(...fresh);
    return fresh;
  }

  /** A planned action's record, in the status its mode gives it. */
  function recordOf(action: Action): ActionRecord {
    return {
      action,
      // A dry run waits for no one: its approval gates show in each step's mode.
      status:
        action.mode === 'skip'
          ? 'skipped'
          : action.mode === 'approval' && !input.dryRun
            ? 'awaiting-approval'
            : 'planned',
      ...(action.mode === 'skip' ? { note: 'skipped by policy' } : {}),
    };
  }

  /**
   * A merged alert of higher severity re-plans: each step still waiting that the policy runs
   * automatically at the new severity runs now, and the status says which alert changed the plan.
   */
  function raiseSeverity(alert: Alert): void {
    const was = status.severity;
    status.severity = alert.severity;
    upsertSearchAttributes([{ key: RevokerSeverity, value: alert.severity }]);
    const at = now();
    const ref = alertRef(alert);
    const runNow: string[] = [];
    const decided = { approver: `policy (${alert.severity} alert ${ref})`, at, reason: 'severity raised' };
    for (const record of status.actions) {
      if (!awaitsDecision(record) || record.action.reverses) continue;
      if (modeFor(input.policy, record.action.kind, alert.severity) !== 'auto') continue;
      record.decidedBy = decided;
      runNow.push(record.action.id);
    }
    // A step the policy skipped at the old severity but runs at the new one is planned again (not one
    // skipped for another reason, such as a service-linked role). Runs recorded before replay without it.
    const unskipped: ActionRecord[] = [];
    for (const record of status.actions) {
      if (record.status !== 'skipped' || record.note !== 'skipped by policy' || record.action.reverses) continue;
      if (modeFor(input.policy, record.action.kind, was) !== 'skip') continue;
      const mode = modeFor(input.policy, record.action.kind, alert.severity);
      if (mode === 'skip' || !patched('severity-unskips')) continue;
      record.action = { ...record.action, mode };
      delete record.note;
      delete record.finishedAt;
      if (mode === 'auto') {
        record.status = 'planned';
        record.decidedBy = decided;
        runNow.push(record.action.id);
      } else record.status = 'awaiting-approval';
      unskipped.push(record);
    }
    const waiting = unskipped.filter(awaitsDecision);
    if (waiting.length) requestApproval(waiting, alert.title);
    for (const record of unskipped) track(steps.run(record));
    notePlanChange({ alert: ref, at, severity: alert.severity, runNow });
  }

  /** What changed the plan and when, the latest IGNORED_KEPT. */
  function notePlanChange(change: NonNullable<PlaybookStatus['planChanges']>[number]): void {
    const changes = (status.planChanges ??= []);
    changes.push(change);
    if (changes.length > IGNORED_KEPT) changes.shift();
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

  /**
   * Filed under every name discovery found for its principals (an Entra user's object id and UPN, an
   * app's appId and service-principal id), so an alert naming one of them another way joins this incident.
   */
  function fileUnderEveryName(discovered: Discovery[]): void {
    const aliases = discovered.flatMap(discoveredKeys).filter((key) => !filed.has(key));
    // Histories recorded before incidents were joined by canonical identity replay without it.
    if (aliases.length && patched('principal-aliases')) {
      for (const key of aliases) filed.add(key);
      fileUnderFiled();
    }
  }

  /** Files the incident under every key in `filed`: their tags (keyed hashes), or the keys in runs recorded before. */
  function fileUnderFiled(): void {
    if (!filedByTag) {
      upsertSearchAttributes([{ key: RevokerPrincipal, value: [...filed] }]);
      return;
    }
    const missing = [...filed].filter((key) => !tags.has(key));
    if (!missing.length) return;
    void filing.principalTags(missing).then(
      (found) => {
        missing.forEach((key, i) => {
          const tag = found[i];
          if (tag) tags.set(key, tag);
        });
        upsertSearchAttributes([{ key: RevokerPrincipal, value: [...filed].flatMap((key) => tags.get(key) ?? []) }]);
      },
      (error: unknown) => {
        if (!isCancellation(error))
          log.warn('could not file the incident under its principals', { error: String(error) });
      },
    );
  }

  function runningState(): PlaybookState {
    if (status.actions.some(awaitsDecision)) return 'AwaitingApproval';
    if (releases.length) return 'Releasing';
    return status.containedAt ? finalState(status) : 'Containing';
  }

  // The short handle responders type (`revoker status INC-7F3K2Q`); runs recorded before it replay without.
  if (patched('incident-handle')) {
    status.handle ??= incidentHandle(workflowInfo().workflowId, input.handleSeed ?? workflowInfo().firstExecutionRunId);
    upsertSearchAttributes([{ key: RevokerHandle, value: status.handle }]);
  }
  // Also set by the client at start; repeated so a playbook started any other way is filed the same.
  publishedAlertRefs = alertRefs(status.alerts).length;
  if (resumed) {
    // Continued as new: filed as the last run left it (every name and alert), in its state.
    upsertSearchAttributes([
      ...(filedByTag ? [] : [{ key: RevokerPrincipal, value: [...filed] }]),
      { key: RevokerSeverity, value: status.severity },
      { key: RevokerAlertId, value: alertRefs(status.alerts) },
    ]);
    if (filedByTag) fileUnderFiled();
  } else {
    const filedUnder = initialSearchAttributes(input.alert).filter(
      (pair) => pair.key.name !== RevokerAlertId.name && (!filedByTag || pair.key.name !== RevokerPrincipal.name),
    );
    upsertSearchAttributes([...filedUnder, { key: RevokerAlertId, value: alertRefs(status.alerts) }]);
    if (filedByTag) fileUnderFiled();
    publishedState = 'Triage';
  }
  publish();

  try {
    return await contain();
  } catch (error) {
    // Cancelled (the UI's Cancel, `temporal workflow cancel`): say what was done and what was left.
    if (!isCancellation(error)) throw error;
    return await CancellationScope.nonCancellable(cancelled);
  }

  /** Triage ▶ plan ▶ gates ▶ act ▶ verify ▶ release window ▶ report. */
  async function contain(): Promise<Report> {
    // Runs recorded before incidents continued as new mid-way replay without it; a dry run is short.
    mayRollOver = !input.dryRun && patched('continue-as-new-mid-incident');
    if (!resumed) {
      const discoveries = await triage(input.alert.principals, status.principals);
      fileUnderEveryName(discoveries.map((d) => d.discovery));
      // An alert merged during triage may have raised the severity.
      const severity =
        status.severity !== input.alert.severity && patched('severity-replan') ? status.severity : input.alert.severity;
      addPlan(discoveries, severity);
      planned = true;
      publish();
      if (input.dryRun) return rehearse();
      const waiting = status.actions.filter(awaitsDecision);
      if (waiting.length) requestApproval(waiting, input.alert.title);
    }

    const wasContained = status.containedAt !== undefined;
    // Every step not finished runs (a resumed run's too: each waits what is left of its window).
    for (const record of status.actions.filter((r) => !FINAL_ACTION_STATUSES.includes(r.status))) {
      if (record.action.reverses) releases.push(handled(steps.run(record)));
      else track(steps.run(record));
    }
    if (!wasContained) {
      let sweepPending = sweeping && status.sweep?.state !== 'swept';
      if (sweepPending) {
        void firstSweep()
          .catch((error: unknown) => {
            if (!isCancellation(error)) log.error('the sweep failed', { error: String(error) });
          })
          .finally(() => {
            sweepPending = false;
          });
      }
      await condition(() => (pendingSteps === 0 && triaging === 0 && !sweepPending) || rollOverDue());
      if (pendingSteps > 0 || triaging > 0 || sweepPending) return rollOver();

      // Contained (or not): the playbook stays open for a release while reversible steps took effect.
      status.containedAt = now();
      const reached = finalState(status);
      if (reached !== 'NothingToDo') recordTimeToContain(status.alerts[0]?.observedAt, status.containedAt, reached);
      // Filed under each key it deleted too, so an alert naming one joins it (or, later, finds it deleted by it).
      const gone = cutCredentials()
        .map((c) => c.credential)
        .filter((key) => !filed.has(key));
      if (gone.length && patched('filed-under-deleted-keys')) {
        for (const key of gone) filed.add(key);
        fileUnderFiled();
      }
    }
    const releasable = releasableSteps(status.actions, sharedControls);
    let waitForRelease: boolean;
    let windowMs = releaseWindowMs;
    if (!wasContained) {
      waitForRelease = releaseOpen && releasable.length > 0 && releases.length === 0;
      if (waitForRelease) status.releaseUntil = new Date(Date.now() + releaseWindowMs).toISOString();
      publish();
      // Final already (nothing runs any more), also when nothing was planned and the status still says Triage.
      const state = finalState(status);
      const risks = residualRisks();
      notify({
        kind: 'completed',
        state,
        label: stateLabel({ ...status, state }),
        summary: summarize({ ...status, state }),
        residualRisks: risks.length,
        risks: risks.slice(0, RISKS_IN_CHAT).map((r) => r.risk),
        ...(waitForRelease ? { releasable: releasable.map(notified), linksExpireAt: status.releaseUntil } : {}),
      });
    } else {
      // Resumed in its release window: what is left of it.
      windowMs = Math.max(0, new Date(status.releaseUntil ?? 0).getTime() - Date.now());
      waitForRelease = releaseOpen && windowMs > 0 && releases.length === 0 && lateAlert === undefined;
      publish();
    }
    // The watch runs beside the release window: the incident stays open until both are over.
    let watching = sweeping && (status.watch === undefined || status.watch.state === 'watching');
    if (watching) {
      void sweeper
        .watch(() =>
          releases.length > 0
            ? "a release was requested: the credentials are the owner's again"
            : lateAlert
              ? 'a new alert starts the playbook over'
              : undefined,
        )
        .catch((error: unknown) => {
          if (!isCancellation(error)) log.error('the watch failed', { error: String(error) });
        })
        .finally(() => {
          watching = false;
        });
    }
    if (waitForRelease) {
      await condition(() => releases.length > 0 || lateAlert !== undefined || rollOverDue(), windowMs);
      if (releases.length === 0 && lateAlert === undefined && rollOverDue()) return rollOver();
    }
    releaseOpen = false;
    delete status.releaseUntil;
    if (watching) {
      publish();
      await condition(() => !watching || rollOverDue());
      if (watching) return rollOver();
    }
    const released = releases.length > 0;
    // Each release step settles by itself; a release during containment may have added more meanwhile.
    for (let i = 0; i < releases.length; i += 1) await releases[i];
    // Steps the watch's re-sweep added end like the others (those waiting for a decision wait their window).
    if (status.watch) await condition(() => pendingSteps === 0 && triaging === 0);

    status.finishedAt = now();
    status.state = finalState(status);
    publish();
    const report: Report = {
      ...status,
      summary: summarize(status),
      residualRisks: residualRisks(),
      irreversible: irreversibleSteps(status.actions),
    };
    if (released || status.watch) announceCompletion(report);
    // Each settles by itself (sent, or failed and logged) within its schedule-to-close timeout; the list may grow meanwhile.
    for (let i = 0; i < notifications.length; i += 1) await notifications[i];
    await condition(allHandlersFinished);
    if (lateAlert && (!released || patched('alert-after-release'))) {
      // A new alert after containment may mean new credentials or sessions: triage again from the start,
      // every principal the incident covers included (an alert that joined it may name only some).
      log.info('a new alert arrived after containment: starting over', { alert: alertRef(lateAlert) });
      const lateRef = alertRef(lateAlert);
      const earlierAlerts = status.alerts.filter((a) => alertRef(a) !== lateRef);
      const seenAlerts = [...seen].filter((ref) => ref !== lateRef);
      const fresh: PlaybookInput = { ...input };
      delete fresh.resume;
      const earlierCuts = cutCredentials();
      if (earlierCuts.length) fresh.earlierCuts = earlierCuts;
      return continueAsNew<typeof playbook>({
        ...fresh,
        alert: { ...lateAlert, principals: [...principals, ...uncovered(lateAlert.principals)] },
        earlierAlerts,
        seenAlerts,
        alertCount: seenAlerts.length,
      });
    }
    return report;
  }

  /** Temporal suggests continuing as new (or the test setting, or the Update cap, says so), and nothing is mid-step. */
  function rollOverDue(): boolean {
    if (!mayRollOver) return false;
    const info = workflowInfo();
    const due =
      info.continueAsNewSuggested ||
      (settings.continueAsNewAfterEvents !== undefined && info.historyLength > settings.continueAsNewAfterEvents) ||
      updatesThisRun >= UPDATES_PER_RUN;
    return due && steps.active() === 0 && triaging === 0 && !sweeper.busy();
  }

  /**
   * Continues the incident as new with its state: steps waiting for a decision resume waiting in the
   * new run, with what is left of their windows; nothing is triaged or planned again; the workflow id,
   * the holder id in the ledgers and the alerts seen stay.
   */
  async function rollOver(): Promise<Report> {
    for (let i = 0; i < notifications.length; i += 1) await notifications[i];
    await condition(() => allHandlersFinished() && steps.active() === 0 && triaging === 0 && !sweeper.busy());
    log.info('history is long: continuing as new', { historyLength: workflowInfo().historyLength });
    return continueAsNew<typeof playbook>({
      ...input,
      seenAlerts: [...seen],
      alertCount: seen.size,
      resume: { status, principals, filedUnder: [...filed], releaseOpen },
    });
  }

  /** The report of a cancelled incident, written where cancellation cannot reach. */
  async function cancelled(): Promise<Report> {
    const at = now();
    // A release cut off mid-undo tells the ledger it did not finish, so holds elsewhere need not wait for it.
    const undoing = status.actions.filter(
      (r) => r.action.reverses && (r.status === 'running' || r.status === 'verifying'),
    );
    for (const record of status.actions) {
      // A step whose call the cancellation cut off ended itself as failed (CancelledFailure): say what that means.
      if (record.status === 'failed' && record.error?.type === 'CancelledFailure') {
        record.note ??= CUT_OFF;
      }
      if (FINAL_ACTION_STATUSES.includes(record.status)) continue;
      if (record.status === 'running' || record.status === 'verifying') {
        finish(record, 'failed', {
          note: CUT_OFF,
          error: { type: 'Cancelled', message: `the incident was cancelled while this step ran: ${CUT_OFF}` },
        });
      } else finish(record, 'skipped', { note: 'the incident was cancelled before this step ran' });
    }
    // Steps that ended before the cancellation may still be telling their ledgers how (never cut off).
    const told = steps.told();
    if (told) await told;
    if (sharedControls) {
      await Promise.all(
        undoing.map((r) =>
          activities.ledger
            .releasedControl({
              owner: controlOwner(r.action),
              incident: holder,
              control: String(r.action.reverses),
              ok: false,
            })
            .catch((error: unknown) => log.warn('ledger not told', { action: r.action.id, error: String(error) })),
        ),
      );
    }
    status.cancelledAt = at;
    status.finishedAt = at;
    delete status.releaseUntil;
    status.state = finalState(status);
    publish();
    const report: Report = {
      ...status,
      summary: `cancelled: ${summarize(status)}`,
      residualRisks: residualRisks(),
      irreversible: irreversibleSteps(status.actions),
    };
    announceCompletion(report);
    for (let i = 0; i < notifications.length; i += 1) await notifications[i];
    return report;
  }

  function announceCompletion(report: Report): void {
    const { state, summary } = report;
    const proof = report.watch?.proof;
    notify({
      kind: 'completed',
      state,
      label: stateLabel(report),
      summary,
      residualRisks: report.residualRisks.length,
      risks: report.residualRisks.slice(0, RISKS_IN_CHAT).map((r) => r.risk),
      ...(proof ? { proof } : {}),
    });
  }

  /**
   * The first sweep, once the first containment settled (every step done, or waiting for a person): the trails of
   * every account, tenant and project the steps touched, from the lookback before the earliest alert until now.
   */
  async function firstSweep(): Promise<void> {
    sweeper.record();
    publish();
    await condition(firstContainmentSettled);
    const earliest = Math.min(
      ...status.alerts.map((a) => Date.parse(a.observedAt)).filter(Number.isFinite),
      Date.now(),
    );
    const since = new Date(earliest - durationMs(sweeper.policy.lookback)).toISOString();
    await sweeper.sweep({ since, until: now() });
  }

  /** Nothing of the plan runs or is about to: each step ended, waits for a decision, or waits for one that does. */
  function firstContainmentSettled(): boolean {
    if (triaging > 0) return false;
    const byId = new Map(status.actions.map((r) => [r.action.id, r]));
    const blocked = (record: ActionRecord) =>
      record.status === 'planned' &&
      record.action.dependsOn.some((id) => {
        const dependency = byId.get(id);
        return dependency !== undefined && awaitsDecision(dependency);
      });
    return status.actions.every(
      (record) =>
        record.action.reverses !== undefined ||
        FINAL_ACTION_STATUSES.includes(record.status) ||
        awaitsDecision(record) ||
        blocked(record),
    );
  }

  /**
   * What the sweep found, contained: the principals it names triaged and planned like an alert's, and the steps
   * it names added; under the policy's `sweep.findings: approval` (the default) each waits for a person. Returns
   * the principal keys and action ids added.
   */
  async function adopt(found: Containment[], round: number): Promise<string[]> {
    const added: string[] = [];
    triaging += 1;
    try {
      const named = uncovered(found.flatMap((c) => (c.principal ? [c.principal] : [])));
      const records = named.map((p): PrincipalRecord => {
        const record: PrincipalRecord = { key: principalKey(p), label: describePrincipal(p), status: 'discovering' };
        status.principals.push(record);
        principals.push(p);
        filed.add(record.key);
        return record;
      });
      if (records.length) fileUnderFiled();
      publish();
      const discoveries = named.length ? await triage(named, records) : [];
      fileUnderEveryName(discoveries.map((d) => d.discovery));
      const mode = (m: Action['mode']) => findingMode(m, sweeper.policy);
      const fresh = addPlan(discoveries, status.severity, mode);
      const known = new Set(status.actions.map((r) => r.action.id));
      for (const { step } of found) {
        if (!step || known.has(actionId(step.spec))) continue;
        const action = actionOf(step.spec, {
          principal: step.principal,
          mode: mode(modeFor(input.policy, step.spec.kind, status.severity)),
          reason: step.reason,
          dependsOn: [],
        });
        known.add(action.id);
        const record = recordOf(action);
        status.actions.push(record);
        fresh.push(record);
      }
      added.push(...records.map((r) => r.key), ...fresh.map((r) => r.action.id));
      notePlanChange({
        alert: `sweep:${round}`,
        at: now(),
        severity: status.severity,
        runNow: [],
        added: records.map((r) => r.key),
      });
      publish();
      const waiting = fresh.filter(awaitsDecision);
      if (waiting.length) {
        requestApproval(
          waiting,
          `The sweep found what the stolen credentials left behind (${found.length} finding(s))`,
        );
      }
      for (const record of fresh) track(steps.run(record));
    } finally {
      triaging -= 1;
    }
    return added;
  }

  /**
   * A dry run: each step's verification is its read-only half — it reads the target and says whether
   * the step's end state already holds — so the preview is what the real run would change, and nothing does.
   */
  async function rehearse(): Promise<Report> {
    const at = now();
    await Promise.all(status.actions.filter((r) => r.status !== 'skipped').map((record) => steps.rehearse(record, at)));
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

  /** From what happened (domain/residual.ts): the same list the CLI, chat and Current Details count. */
  function residualRisks(): Report['residualRisks'] {
    return residualRisksOf(status, now());
  }

  function requestApproval(waiting: ActionRecord[], title: string): void {
    const { severity } = input.alert;
    const linksExpireAt = new Date(Date.now() + durationMs(input.policy.approvalTimeout)).toISOString();
    notify({ kind: 'approval-requested', title, severity, actions: waiting.map(notified), linksExpireAt });
  }

  /**
   * After a decision (from a link, the UI's Signal, the CLI or the decide Update) that left steps
   * waiting, the links already sent may cover steps decided now: the responders get new links for what
   * still waits, so the chat always holds one that works. Decisions in one activation make one message.
   */
  function offerFreshLinks(decision: Decision): void {
    if (freshLinksDue) return;
    freshLinksDue = true;
    notifications.push(
      Promise.resolve().then(() => {
        freshLinksDue = false;
        const waiting = status.actions.filter(awaitsDecision);
        // Runs recorded before fresh links replay without the notification.
        if (waiting.length && patched('fresh-links')) {
          const decided = `${decision.actions.length} step(s) ${decision.verdict === 'approve' ? 'approved' : 'rejected'}`;
          requestApproval(
            waiting,
            `${input.alert.title} — still waiting after ${decision.approver}'s decision (${decided})`,
          );
        }
      }),
    );
  }

  function notify(event: PlaybookEvent): void {
    // Every recorded run that notifies has the notifications marker (test/histories): the patch is
    // deprecated, still marked so a worker running the patched() code replays these runs the same way.
    deprecatePatch('notifications');
    notifications.push(
      notifier.notify(status.handle ? { ...event, handle: status.handle } : event).then(
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
    // Who approved a step that still waits (four eyes) is not asked again.
    const approvers = approverIdentities(input.policy, record.action.kind)?.filter(
      (who) => !awaitsDecision(record) || !record.approvals?.some((a) => samePerson(input.policy, a.approver, who)),
    );
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
      case 'workspace.user':
      case 'workspace.app':
        return workspace.discoverWorkspacePrincipal(principal);
      case 'kubernetes.serviceAccount':
      case 'kubernetes.token':
        return kubernetes.discoverKubernetesPrincipal(principal);
    }
  }
}

/**
 * The same promise, marked handled: a release step cancelled with the incident rejects, and it is
 * awaited only later (or never, once cancelled), so an unhandled rejection would fail the workflow task.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** What a step cut off by a cancellation may have left. */
const CUT_OFF = 'the change may have landed (revoker dry-run shows the state)';

/** Ignored messages kept in the status (the count covers them all). */
const IGNORED_KEPT = 20;

/** Alerts listed in the status and report: the first, then the latest (alertCount counts them all). */
const ALERTS_KEPT = 50;

function keptAlerts(alerts: AlertSummary[]): AlertSummary[] {
  return alerts.length <= ALERTS_KEPT ? alerts : [alerts[0] as AlertSummary, ...alerts.slice(-(ALERTS_KEPT - 1))];
}

function summarizeAlert(alert: Alert): AlertSummary {
  const { source, id, title, severity, observedAt, link } = alert;
  return { source, id, title, severity, observedAt, ...(link ? { link } : {}), receivedAt: new Date().toISOString() };
}
