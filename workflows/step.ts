import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  patched,
  proxyActivities,
  sleep,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AwsActivities } from '../activities/aws.js';
import type { EntraActivities } from '../activities/entra.js';
import type { GcpActivities } from '../activities/gcp.js';
import type { WorkspaceActivities } from '../activities/workspace.js';
import type { KubernetesActivities } from '../activities/kubernetes.js';
import type { LedgerActivities } from '../activities/ledger.js';
import type { StepRun, StepRunResult } from '../activities/step-runner.js';
import {
  activityCall,
  RUN_STEP_ACTIVITY as RUN_STEP,
  type ACTION_KINDS,
  type Action,
  type ActionKind,
  type ActionSpec,
  type StepClock,
} from '../domain/action.js';
import { controlOwner, endedControl, incidentOf, isHeldControl, type ReleaseAnswer } from '../domain/ledger.js';
import { durationMs } from '../domain/duration.js';
import { DEFAULT_VERIFY_WITHIN, type PlaybookSettings } from '../domain/playbook-input.js';
import type { Policy } from '../domain/policy.js';
import type { Provider } from '../domain/principal.js';
import { releaseBlocker } from '../domain/release.js';
import {
  FINAL_ACTION_STATUSES,
  type ActionRecord,
  type CheckResult,
  type PlaybookStatus,
  type StepOutcome,
} from '../domain/report.js';
import { PLAYBOOK_TASK_QUEUE, PROVIDER_TASK_QUEUES } from '../domain/task-queues.js';
import { recordVerificationFailure } from './metrics.js';

/**
 * One step of the playbook, start to end: wait for a decision (escalate once, then the policy
 * decides), wait for the steps it depends on, hold the control in the principal's ledger (or, for a
 * release, ask the ledger whether to undo it), act, verify, tell the ledger, finish. Which activity
 * acts and verifies is the action kind's entry in domain/action.ts.
 */

/** What the playbook's activities are, by provider: the registry's activity names are checked against them. */
export interface ProviderActivities {
  aws: AwsActivities;
  entra: EntraActivities;
  gcp: GcpActivities;
  workspace: WorkspaceActivities;
  kubernetes: KubernetesActivities;
}

/** Verification waits for propagation and acts again on a lost write (workflows recorded before it keep replaying). */
const VERIFY_PATCH = 'verify-waits-for-propagation';
/**
 * Acts per step at most, the first included, when verification never sees the change. Five, since a cloud that
 * loses one write in fifteen (the fault soak) loses three in a row on one step of a few hundred; runs recorded
 * before ACT_ROUNDS_PATCH stop at three.
 */
const ACT_ROUNDS = 5;
const ACT_ROUNDS_PATCH = 'act-rounds-5';
/** A step acts and first verifies in one activity (RUN_STEP); runs recorded before schedule the two apart. */
const ONE_ACTIVITY_PATCH = 'one-activity-per-step';
/** A step ends before its ledger is told how (runs recorded before tell the ledger first). */
const TOLD_AFTER_PATCH = 'ledger-told-after-step';

// Must match activities/errors.ts; duplicated as strings because workflow code may not import activities.
const NON_RETRYABLE = ['TargetNotFoundError', 'PermissionDeniedError', 'InvalidRequestError', 'UnsafeStateError'];

/** The provider and ledger activities, with the playbook's timeouts and retries. */
export function stepActivities(settings: PlaybookSettings): ProviderActivities & { ledger: LedgerActivities } {
  const activityOptions = (provider: Provider): ActivityOptions => ({
    taskQueue: PROVIDER_TASK_QUEUES[provider],
    startToCloseTimeout: settings.activityTimeout,
    ...(settings.activityDeadline ? { scheduleToCloseTimeout: settings.activityDeadline } : {}),
    ...(settings.heartbeatTimeout ? { heartbeatTimeout: settings.heartbeatTimeout } : {}),
    retry: {
      initialInterval: settings.retryInitialInterval,
      maximumInterval: settings.retryMaximumInterval,
      maximumAttempts: settings.retryMaximumAttempts,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  return {
    ledger: proxyActivities<LedgerActivities>({
      ...activityOptions('aws'),
      // The playbooks' own queue: the ledgers are workflows, and no cloud credential is needed to reach them.
      taskQueue: PLAYBOOK_TASK_QUEUE,
    }),
    aws: proxyActivities<AwsActivities>(activityOptions('aws')),
    entra: proxyActivities<EntraActivities>(activityOptions('entra')),
    gcp: proxyActivities<GcpActivities>(activityOptions('gcp')),
    workspace: proxyActivities<WorkspaceActivities>(activityOptions('workspace')),
    kubernetes: proxyActivities<KubernetesActivities>(activityOptions('kubernetes')),
  };
}

// Compile-time wiring check: each kind's act and verify name an activity of its provider that takes
// the argument the entry builds (the target, the target and `expected`, or what `args` returns).
type Build<T, A> = (target: T, clock: StepClock) => A;
type CallTo<N, T, A> = [T] extends [A]
  ? { readonly activity: N; readonly args?: Build<T, A> }
  : A extends { expected: infer E }
    ? [T & { expected: E }] extends [A]
      ? { readonly activity: N; readonly expected: E } | { readonly activity: N; readonly args: Build<T, A> }
      : { readonly activity: N; readonly args: Build<T, A> }
    : { readonly activity: N; readonly args: Build<T, A> };
type Call<P extends Provider, T, R> = {
  [N in keyof ProviderActivities[P] & string]: ProviderActivities[P][N] extends (arg: infer A) => Promise<R>
    ? CallTo<N, T, A>
    : never;
}[keyof ProviderActivities[P] & string];
type Wiring = {
  readonly [K in ActionKind]: {
    act: Call<(typeof ACTION_KINDS)[K]['provider'], Extract<ActionSpec, { kind: K }>['target'], StepOutcome>;
    verify: Call<(typeof ACTION_KINDS)[K]['provider'], Extract<ActionSpec, { kind: K }>['target'], CheckResult>;
  };
};
type Checked<Registry extends Wiring> = Registry;
/** The registry, as checked: compiling fails where an entry names an activity or builds an argument its provider lacks. */
export type WiredActionKinds = Checked<typeof ACTION_KINDS>;

/** Schedules one of a provider's activities by name (a proxy schedules the activity type its property names). */
function schedule<R>(
  activities: ProviderActivities,
  provider: Provider,
  activity: string,
  argument: unknown,
): Promise<R> {
  const proxies = activities[provider] as unknown as Record<string, (argument: unknown) => Promise<R>>;
  return (proxies[activity] as (argument: unknown) => Promise<R>)(argument);
}

/**
 * Schedules the kind's act and its first verification as one activity on its provider's queue (RUN_STEP in
 * activities/step-runner.ts, which calls the two activities the registry names, in the worker).
 */
function runStep(activities: ProviderActivities, action: Action, clock: StepClock): Promise<StepRunResult> {
  const { provider, activity, argument } = activityCall(action, 'act', clock);
  const verify = activityCall(action, 'verify', clock);
  const run: StepRun = {
    act: { activity, argument },
    verify: { activity: verify.activity, argument: verify.argument },
  };
  return schedule<StepRunResult>(activities, provider, RUN_STEP, run);
}

/** Schedules the kind's act or verify activity on its provider's queue: the registry's name, checked above. */
function call<R>(
  activities: ProviderActivities,
  action: Action,
  phase: 'act' | 'verify',
  clock: StepClock,
): Promise<R> {
  const { provider, activity, argument } = activityCall(action, phase, clock);
  return schedule<R>(activities, provider, activity, argument);
}

export interface StepContext {
  /** The playbook's status: its `actions` are the plan (replaced once, at planning). */
  status: PlaybookStatus;
  policy: Pick<Policy, 'approvalTimeout' | 'onTimeout'>;
  /** Reversible controls are held in the principals' ledgers. */
  sharedControls: boolean;
  /** This incident as a ledger holder. */
  holder: string;
  activities: ProviderActivities & { ledger: LedgerActivities };
  /** Mirrors the status into the UI. */
  publish: () => void;
  /** Announces a step whose approval window closed without a decision. */
  escalate: (record: ActionRecord) => void;
  /** The playbook's timings: how long verification waits for a change to propagate (`verifyWithin`). */
  settings: Pick<PlaybookSettings, 'verifyWithin'>;
}

export interface Steps {
  /** Runs one step to its end; never throws (a failure is the step's result). */
  run: (record: ActionRecord) => Promise<void>;
  /** A dry run of one step: its verification, the read-only half, says whether the real run would change it. */
  rehearse: (record: ActionRecord, at: string) => Promise<void>;
  finish: (record: ActionRecord, final: ActionRecord['status'], extra?: Partial<ActionRecord>) => void;
  /** Steps past their decision gate and not finished: a continue-as-new waits until none is. */
  active: () => number;
  /** Resolves once every finished step's ledger has heard how it ended (a cancelled incident waits for it). */
  told: () => Promise<void> | undefined;
}

export function createSteps(context: StepContext): Steps {
  const { status, policy, sharedControls, holder, activities, publish } = context;
  const { ledger } = activities;

  /** Steps past their decision gate, holding, acting or verifying. */
  let active = 0;
  /** Each step's word to its principal's ledger (how it ended), while it is on its way. */
  const telling = new Map<string, Promise<void>>();

  function finish(record: ActionRecord, final: ActionRecord['status'], extra: Partial<ActionRecord> = {}): void {
    Object.assign(record, extra, { status: final, finishedAt: new Date().toISOString() });
    publish();
  }

  /** The cut-off the revocation being undone used: the start of the step that put it on. */
  function revokedAt(action: Action): string {
    const revocation = status.actions.find((r) => r.action.id === action.reverses);
    if (!revocation?.startedAt) throw new Error(`${action.id} undoes ${String(action.reverses)}, which never ran`);
    return revocation.startedAt;
  }

  /** A step's clock; `undoAt` is read only by the kinds that need it: the ledger's, else the undone step's start. */
  function clockOf(action: Action, at: string, undoAt?: string): StepClock {
    return {
      at,
      get undoAt() {
        return undoAt ?? revokedAt(action);
      },
    };
  }

  async function run(record: ActionRecord): Promise<void> {
    const isFinal = () => FINAL_ACTION_STATUSES.includes(record.status);
    const dependencies = record.action.dependsOn.map((id) => status.actions.find((r) => r.action.id === id));
    if (record.status === 'awaiting-approval') {
      const timeout = policy.approvalTimeout;
      const decision = () => record.decidedBy !== undefined || isFinal();
      // A run continued as new resumes the window where the last one left it.
      record.awaitingSince ??= new Date().toISOString();
      if (!record.escalatedAt && !(await condition(decision, left(timeout, record.awaitingSince)))) {
        // Escalate once: the step waits another window (a notification announces it), then the policy decides.
        record.escalatedAt = new Date().toISOString();
        log.warn('approval timed out: escalated', { action: record.action.id, timeout });
        publish();
        context.escalate(record);
      }
      if (record.escalatedAt && !decision()) {
        if (!(await condition(decision, left(timeout, record.escalatedAt)))) {
          const outcome = policy.onTimeout[record.action.kind] ?? 'abort';
          const why = `no decision within ${timeout}, escalated, and none within another ${timeout}`;
          if (outcome === 'abort') return finish(record, 'skipped', { note: `${why}: aborted by policy` });
          record.decidedBy = { approver: 'policy (onTimeout: proceed)', at: new Date().toISOString(), reason: why };
        }
      }
    }
    if (isFinal()) return;
    // Wait for dependencies; a step whose prerequisite did not succeed must not run (never delete an active key).
    await condition(() => dependencies.every((d) => d && FINAL_ACTION_STATUSES.includes(d.status)));
    active += 1;
    try {
      return await act(record, dependencies);
    } finally {
      active -= 1;
    }
  }

  /** From the ledger to the end: the part of a step a continue-as-new must not cut. */
  async function act(record: ActionRecord, dependencies: (ActionRecord | undefined)[]): Promise<void> {
    let undoing: ReleaseAnswer | undefined;
    if (record.action.reverses) {
      // The ledger hears how the step being undone ended before it is asked to undo it.
      // (Awaited only when there is one: an await of nothing would move this step's commands in recorded runs.)
      const told = telling.get(record.action.reverses);
      if (told) await told;
      const why = releaseBlocker(record, status.actions, sharedControls);
      if (why) return finish(record, 'skipped', { note: why });
    } else {
      const blocker = dependencies.find((d) => d && d.status !== 'done' && d.status !== 'already');
      if (blocker) return finish(record, 'skipped', { note: `${blocker.action.id} ${blocker.status}` });
    }
    const held = sharedControls && isHeldControl(record.action);
    const owner = controlOwner(record.action);
    try {
      if (held) {
        // Waits while another incident is undoing this control, so the two never race at the cloud.
        const { heldBy } = await ledger.holdControl({ owner, incident: holder, control: record.action.id });
        if (heldBy.length) record.sharedWith = [...new Set(heldBy.map(incidentOf))];
      }
      if (sharedControls && record.action.reverses) {
        // Only the last holder undoes a control, and only one Revoker made.
        undoing = await ledger.releaseControl({ owner, incident: holder, control: record.action.reverses });
        if (undoing.verdict === 'keep') {
          const others = [...new Set(undoing.heldBy.map(incidentOf))];
          return finish(record, 'skipped', {
            note: `kept in force: also held by ${others.join(', ')}`,
            sharedWith: others,
          });
        }
        if (undoing.verdict === 'leave') return finish(record, 'skipped', { note: undoing.why });
      }
    } catch (error) {
      return finish(record, 'failed', { error: failureOf(error) });
    }

    const startedAt = new Date().toISOString();
    record.status = 'running';
    record.startedAt = startedAt;
    publish();
    const undoAt = undoing?.verdict === 'undo' ? undoing.madeBy.at : undefined;
    const tell = async (ok: boolean, outcome?: StepOutcome['outcome']) => {
      if (held) {
        const result = ok && outcome ? outcome : 'failed';
        await ledger.recordControl({
          owner,
          incident: holder,
          control: record.action.id,
          outcome: result,
          at: startedAt,
        });
      }
      const ended = ok && outcome === 'done' && sharedControls ? endedControl(record.action) : undefined;
      if (ended) await ledger.recordGone({ owner, incident: holder, control: ended, at: startedAt });
      if (undoAt !== undefined && record.action.reverses) {
        await ledger.releasedControl({ owner, incident: holder, control: record.action.reverses, ok });
      }
    };
    try {
      const clock = clockOf(record.action, startedAt, undoAt);
      // One activity acts and verifies once (activities/step-runner.ts); runs recorded before act, then verify.
      const stepped = patched(ONE_ACTIVITY_PATCH) ? await runStep(activities, record.action, clock) : undefined;
      let outcome = stepped?.outcome ?? (await call<StepOutcome>(activities, record.action, 'act', clock));
      record.observed = outcome.observed;
      record.requestId = outcome.requestId;
      if (!stepped?.check.ok) {
        record.status = 'verifying';
        publish();
      }
      let check: CheckResult;
      if (stepped || patched(VERIFY_PATCH)) {
        ({ outcome, check } = await actUntilVerified(record, clock, outcome, stepped?.check));
      } else {
        check = await call<CheckResult>(activities, record.action, 'verify', clock);
      }
      record.verification = { ...check, checkedAt: new Date().toISOString() };
      const verdict = () => {
        if (check.ok) return finish(record, outcome.outcome);
        log.error('verification failed', { action: record.action.id, evidence: check.evidence });
        recordVerificationFailure(record.action.provider, record.action.kind);
        return finish(record, 'failed', {
          error: { type: 'VerificationFailed', message: `the change did not take effect: ${check.evidence}` },
        });
      };
      if (patched(TOLD_AFTER_PATCH)) {
        // The step ends, and the steps after it start, while the ledger is told: the record is scheduled in the same
        // workflow task, so it is as durable; a release of this control waits for it (see `telling`).
        // The status shows the record on its way (`recording`) until the ledger has it.
        record.recording = true;
        verdict();
        // Not cut off by a cancellation of the incident: the ledger keeps the record of what Revoker changed.
        const told = CancellationScope.nonCancellable(() => tell(check.ok, outcome.outcome))
          .catch((error: unknown) => {
            log.error('ledger not told', { action: record.action.id, error: String(error) });
            finish(record, 'failed', {
              error: {
                type: 'LedgerNotTold',
                message: `the principal's ledger was not told: ${failureOf(error).message}`,
              },
            });
          })
          .then(() => {
            delete record.recording;
            publish();
          });
        telling.set(record.action.id, told);
        return await told;
      }
      await tell(check.ok, outcome.outcome);
      return verdict();
    } catch (error) {
      await tell(false).catch((e: unknown) =>
        log.error('ledger not told', { action: record.action.id, error: String(e) }),
      );
      return finish(record, 'failed', { error: failureOf(error) });
    }
  }

  /**
   * Verification under eventual consistency: re-read until the change shows or `verifyWithin` has passed, so a
   * stale read neither fails the step at once nor passes it. A change still not seen by then was lost (the
   * provider answered success and kept nothing): act again, which reads first and changes only what differs, up
   * to ACT_ROUNDS acts in all.
   */
  async function actUntilVerified(
    record: ActionRecord,
    clock: StepClock,
    first: StepOutcome,
    firstCheck?: CheckResult,
  ): Promise<{ outcome: StepOutcome; check: CheckResult }> {
    let outcome = first;
    let check = await verifyWithin(record.action, clock, firstCheck);
    // Asked only once a change is lost, so the marker is in the histories that needed it.
    const rounds = () => (patched(ACT_ROUNDS_PATCH) ? ACT_ROUNDS : 3);
    for (let round = 1; !check.ok && round < rounds(); round += 1) {
      log.warn('change not seen within the verification bound: acting again', {
        action: record.action.id,
        evidence: check.evidence,
        within: context.settings.verifyWithin,
      });
      const again = await call<StepOutcome>(activities, record.action, 'act', clock);
      // Done by any round is done by this playbook; what the first round saw is what the target was.
      if (again.outcome === 'done') outcome = { ...outcome, outcome: 'done', requestId: again.requestId };
      record.requestId = outcome.requestId;
      check = await verifyWithin(record.action, clock);
    }
    return { outcome, check };
  }

  /** Reads until the check passes or the bound has passed, pausing longer each time (from a tenth of it, up to 30 s). */
  async function verifyWithin(action: Action, clock: StepClock, first?: CheckResult): Promise<CheckResult> {
    const bound = durationMs(context.settings.verifyWithin ?? DEFAULT_VERIFY_WITHIN);
    const began = Date.now();
    let pause = Math.min(Math.max(bound / 10, 50), 2_000);
    let read = first;
    for (;;) {
      const check = read ?? (await call<CheckResult>(activities, action, 'verify', clock));
      read = undefined;
      const left = bound - (Date.now() - began);
      if (check.ok || left <= 0) return check;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, 30_000);
    }
  }

  async function rehearse(record: ActionRecord, at: string): Promise<void> {
    try {
      const check = await call<CheckResult>(activities, record.action, 'verify', clockOf(record.action, at));
      record.preview = { changes: !check.ok, current: check.evidence };
      finish(record, 'previewed');
    } catch (error) {
      finish(record, 'failed', { error: failureOf(error) });
    }
  }

  return {
    run,
    rehearse,
    finish,
    active: () => active,
    // Nothing to wait for in runs recorded before (an await of nothing would move their commands).
    told: () => (telling.size ? Promise.all(telling.values()).then(() => undefined) : undefined),
  };
}

/** What is left of a window of `duration` that opened at `since` (at least a millisecond). */
function left(duration: string, since: string): number {
  return Math.max(1, durationMs(duration) - (Date.now() - new Date(since).getTime()));
}

/** The innermost ApplicationFailure's type and message: what the activity said went wrong. */
export function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}
