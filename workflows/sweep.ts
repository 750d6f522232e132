import { condition, log, proxyActivities, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import type { PlaybookEvent } from '../activities/notify-message.js';
import { actionId } from '../domain/action.js';
import { durationMs } from '../domain/duration.js';
import { principalKey } from '../domain/principal.js';
import { brief } from '../domain/issues.js';
import type { PlaybookSettings } from '../domain/playbook-input.js';
import { sweepPolicyOf, type Policy } from '../domain/policy.js';
import {
  FINDINGS_KEPT,
  TIMELINE_KEPT,
  type FoundRecord,
  type PlaybookStatus,
  type SweepRead,
  type SweepRecord,
  type WatchRecord,
} from '../domain/report.js';
import { RevokerWatch } from '../domain/search-attributes.js';
import {
  dedupeFindings,
  findingKey,
  mergeTimeline,
  watchedKey,
  type Finding,
  type ProviderSweep,
  type ProviderWatch,
  type SweepRequest,
  type WatchedCredential,
  type WatchHit,
  type WatchRequest,
} from '../domain/sweep.js';
import {
  containmentOf,
  describeWatched,
  hitsAfterCutOff,
  sweepRequests,
  watchedCredentials,
  watchLengthMs,
  watchProof,
  watchRequests,
  type Containment,
  type Watched,
} from '../domain/sweep-plan.js';
import { PROVIDER_TASK_QUEUES } from '../domain/task-queues.js';
import { failureOf } from './step.js';

/**
 * The sweep and the watch (issue 16), as orchestration: which trail reads to schedule, when, and what to do with
 * what they say. The reads are activities on each provider's queue (activities/aws-trail.ts and its peers); what a
 * finding becomes is domain/sweep-plan.ts; the playbook adds the principals and steps (`adopt`).
 */

/** The read activities, by provider: a sweep over a window, and the watch's read since a cut-off. */
const READS = {
  aws: { sweep: 'sweepAwsAccount', watch: 'watchAwsAccount' },
  entra: { sweep: 'sweepEntraTenant', watch: 'watchEntraTenant' },
  gcp: { sweep: 'sweepGcpProject', watch: 'watchGcpProject' },
} as const;

type Read = (argument: unknown) => Promise<unknown>;

// Must match activities/errors.ts (workflow code may not import activities).
const NON_RETRYABLE = ['TargetNotFoundError', 'PermissionDeniedError', 'InvalidRequestError', 'UnsafeStateError'];

/** Each provider's read activities: a trail read pages and paces itself, so it may take minutes. */
function readActivities(settings: PlaybookSettings): Record<'aws' | 'entra' | 'gcp', Record<string, Read>> {
  const options = (provider: 'aws' | 'entra' | 'gcp'): ActivityOptions => ({
    taskQueue: PROVIDER_TASK_QUEUES[provider],
    startToCloseTimeout: settings.sweepTimeout ?? '10m',
    ...(settings.heartbeatTimeout ? { heartbeatTimeout: settings.heartbeatTimeout } : {}),
    retry: {
      initialInterval: settings.retryInitialInterval,
      maximumInterval: settings.retryMaximumInterval,
      maximumAttempts: Math.min(settings.retryMaximumAttempts, 5),
      backoffCoefficient: 2,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  return {
    aws: proxyActivities(options('aws')),
    entra: proxyActivities(options('entra')),
    gcp: proxyActivities(options('gcp')),
  };
}

export interface SweeperDeps {
  status: PlaybookStatus;
  policy: Policy;
  settings: PlaybookSettings;
  publish: () => void;
  notify: (event: PlaybookEvent) => void;
  /** Contains what the findings lead to (principals triaged and planned, steps added); resolves once planned. */
  adopt: (found: Containment[], round: number) => Promise<string[]>;
}

const now = () => new Date().toISOString();
const readKey = (provider: string, eventId: string) => `${provider}|${eventId}`;
const SEEN_KEPT = 1_000;
const HITS_KEPT = 50;
const READS_KEPT = 20;

export function createSweeper({ status, policy, settings, publish, notify, adopt }: SweeperDeps) {
  const sweepPolicy = sweepPolicyOf(policy);
  const reads = readActivities(settings);
  /** A read or an adoption is under way: the run does not continue as new in the middle of one. */
  let busy = 0;
  /** Every finding of the incident (carried in the status, which keeps the first FINDINGS_KEPT). */
  const known = new Set((status.sweep?.findings ?? []).map((f) => findingKey(f.finding)));
  /** Aws sessions found (their keys are watched once their user's or role's sessions were revoked). */
  const sessions: Finding[] = (status.sweep?.findings ?? [])
    .map((f) => f.finding)
    .filter((f) => f.kind === 'aws.session');

  function record(): SweepRecord {
    return (status.sweep ??= {
      state: 'waiting',
      rounds: 0,
      reads: [],
      timeline: [],
      timelineCount: 0,
      findings: [],
      findingCount: 0,
    });
  }

  async function read<R>(provider: 'aws' | 'entra' | 'gcp', phase: 'sweep' | 'watch', argument: unknown): Promise<R> {
    const activity = reads[provider][READS[provider][phase]] as Read;
    return (await activity(argument)) as R;
  }

  /**
   * One sweep: every account, tenant and project the incident's steps (and `also`) touch, read over the window;
   * the findings not known yet are contained (`adopt`). A read that fails is recorded with why, and the others stand.
   */
  async function sweep(window: { since: string; until: string }, also: WatchedCredential[] = []): Promise<void> {
    busy += 1;
    const sweepRecord = record();
    try {
      const round = (sweepRecord.rounds += 1);
      sweepRecord.state = 'sweeping';
      sweepRecord.window = window;
      publish();
      const requests = sweepRequests(
        status.actions.map((r) => r.action),
        window,
        also,
      );
      const results = await Promise.all(
        requests.map((request: SweepRequest) =>
          read<ProviderSweep>(request.provider, 'sweep', request.request).then(
            (result) => ({ request, result }),
            (error: unknown) => ({ request, error: failureOf(error) }),
          ),
        ),
      );
      const fresh: Finding[] = [];
      for (const outcome of results) {
        const { provider } = outcome.request;
        const scope =
          provider === 'aws'
            ? outcome.request.request.accountId
            : provider === 'entra'
              ? outcome.request.request.tenantId
              : outcome.request.request.projectId;
        const entry: SweepRead = { provider, scope, round, at: now(), lookups: 0, events: 0, findings: 0 };
        if ('error' in outcome) {
          entry.error = brief(`${outcome.error.type}: ${outcome.error.message}`);
          log.warn('a sweep read failed', { provider, scope, error: outcome.error.message });
        } else {
          const { result } = outcome;
          entry.lookups = result.lookups;
          entry.events = result.timeline.length;
          entry.findings = result.findings.length;
          if (result.incomplete) entry.incomplete = brief(result.incomplete);
          const before = new Set(sweepRecord.timeline.map((e) => readKey(e.provider, e.eventId)));
          sweepRecord.timelineCount += result.timeline.filter(
            (e) => !before.has(readKey(e.provider, e.eventId)),
          ).length;
          sweepRecord.timeline = mergeTimeline([...sweepRecord.timeline, ...result.timeline]).slice(0, TIMELINE_KEPT);
          for (const finding of dedupeFindings(result.findings)) {
            const key = findingKey(finding);
            if (known.has(key)) continue;
            known.add(key);
            fresh.push(finding);
          }
        }
        sweepRecord.reads.push(entry);
        if (sweepRecord.reads.length > READS_KEPT) sweepRecord.reads.shift();
      }
      sessions.push(...fresh.filter((f) => f.kind === 'aws.session'));
      const containments = fresh.map(containmentOf);
      const records: FoundRecord[] = fresh.map((finding, i) => {
        const c = containments[i] as Containment;
        if (c.unplanned) return { finding, outcome: 'unplanned', note: c.unplanned };
        return c.step
          ? { finding, outcome: 'step', ref: actionId(c.step.spec) }
          : { finding, outcome: 'principal', ...(c.principal ? { ref: principalKey(c.principal) } : {}) };
      });
      sweepRecord.findingCount += fresh.length;
      sweepRecord.findings.push(...records.slice(0, Math.max(0, FINDINGS_KEPT - sweepRecord.findings.length)));
      publish();
      if (containments.some((c) => !c.unplanned)) {
        // What each finding became: `known` when the incident had that principal or step already.
        const added = new Set(await adopt(containments, round));
        fresh.forEach((finding, i) => {
          const c = containments[i] as Containment;
          const found = sweepRecord.findings.find((f) => findingKey(f.finding) === findingKey(finding));
          if (!found || c.unplanned) return;
          const ref = c.step ? actionId(c.step.spec) : c.principal ? principalKey(c.principal) : undefined;
          if (ref) found.ref = ref;
          if (!added.has(ref ?? '')) found.outcome = 'known';
        });
      }
    } finally {
      sweepRecord.state = 'swept';
      busy -= 1;
      publish();
    }
  }

  /**
   * The watch: from containment until the longest residual window of what was cut has passed (at least as long as
   * the trails take to deliver, at most `watchAtMost`), the cut credentials' calls are read every `pollEvery`. A
   * call after its credential's cut-off is raised (state, search attribute, notification) and the sweep runs
   * again for it. `stop` ends it early (a release, a new alert). Resumes where a run continued as new left it.
   */
  async function watch(stop: () => string | undefined): Promise<void> {
    let w = status.watch;
    if (!w) {
      const watched = watchedCredentials(status.actions, sessions);
      if (!watched.length) return;
      const cutOff = watched.map((x) => x.since).sort()[watched.length - 1] as string;
      const until = new Date(Date.parse(cutOff) + watchLengthMs(status.actions, watched, sweepPolicy)).toISOString();
      w = status.watch = {
        state: 'watching',
        credentials: watched,
        cutOff,
        until,
        polls: 0,
        hits: [],
        hitCount: 0,
        refusedCount: 0,
        seen: [],
      };
      upsertSearchAttributes([{ key: RevokerWatch, value: 'watching' }]);
      publish();
    }
    if (w.state !== 'watching') return;
    const pollMs = durationMs(sweepPolicy.pollEvery);
    for (;;) {
      const left = Date.parse(w.until) - Date.now();
      const stopped = left > 0 && (await condition(() => stop() !== undefined, Math.min(pollMs, left)));
      const why = stop();
      if (stopped && why) {
        w.state = 'stopped';
        w.stoppedBy = why;
        w.proof = `The watch stopped at ${now()}: ${why}.`;
        break;
      }
      await poll(w);
      if (Date.now() >= Date.parse(w.until)) {
        w.state = w.hitCount ? 'used' : 'quiet';
        w.proof = watchProof(w.credentials, w.until, { count: w.hitCount, refused: w.refusedCount }, w.gaps);
        break;
      }
    }
    upsertSearchAttributes([{ key: RevokerWatch, value: w.state === 'stopped' ? 'stopped' : w.state }]);
    publish();
  }

  /** One read of every watched credential's calls; new ones are hits. */
  async function poll(w: WatchRecord): Promise<void> {
    busy += 1;
    try {
      // Credentials cut since the watch began (steps the re-sweep added) are watched too.
      const have = new Set(w.credentials.map((c) => watchedKey(c.credential)));
      for (const more of watchedCredentials(status.actions, sessions)) {
        if (!have.has(watchedKey(more.credential))) w.credentials.push(more);
      }
      const at = now();
      const results = await Promise.all(
        watchRequests(w.credentials, at).map((request: WatchRequest) =>
          read<ProviderWatch>(request.provider, 'watch', request).then(
            (result) => ({ request, result }),
            (error: unknown) => ({ request, error: failureOf(error) }),
          ),
        ),
      );
      w.polls += 1;
      w.lastPolledAt = at;
      const seen = new Set(w.seen);
      const fresh: WatchHit[] = [];
      const gaps: string[] = [];
      for (const outcome of results) {
        if ('error' in outcome) {
          gaps.push(brief(`${outcome.request.provider} ${outcome.request.scope}: ${outcome.error.message}`, 200));
          continue;
        }
        if (outcome.result.incomplete) gaps.push(brief(outcome.result.incomplete, 200));
        for (const hit of hitsAfterCutOff(outcome.result.hits, w.credentials)) {
          const key = readKey(hit.entry.provider, hit.entry.eventId);
          if (seen.has(key)) continue;
          seen.add(key);
          fresh.push(hit);
        }
      }
      w.seen = [...seen].slice(-SEEN_KEPT);
      if (gaps.length) w.gaps = gaps.slice(0, 5);
      else delete w.gaps;
      if (!fresh.length) {
        publish();
        return;
      }
      const refused = fresh.filter((h) => h.refused).length;
      w.hitCount += fresh.length;
      w.refusedCount += refused;
      w.hits.push(...fresh);
      if (w.hits.length > HITS_KEPT) w.hits.splice(0, w.hits.length - HITS_KEPT);
      w.state = 'watching';
      upsertSearchAttributes([{ key: RevokerWatch, value: 'used' }]);
      publish();
      const used = [...new Map(fresh.map((h) => [watchedKey(h.credential), h.credential])).values()];
      notify({
        kind: 'watch-hit',
        count: fresh.length,
        refused,
        calls: fresh
          .slice(-10)
          .map(
            (h) =>
              `${h.entry.action} by ${describeWatched(h.credential)} at ${h.entry.at}${h.refused ? ` (refused: ${h.entry.error ?? 'denied'})` : ' (NOT refused)'}`,
          ),
        next: 'Revoker sweeps the trails again for what these calls did; new findings wait for approval.',
      });
      // What the credential did after the cut-off: the sweep again, from the cut-off, following the credentials seen.
      await sweep({ since: earliest(w.credentials), until: at }, used);
    } finally {
      busy -= 1;
    }
  }

  return {
    sweep,
    watch,
    record,
    /** A read or an adoption is under way. */
    busy: () => busy > 0,
    policy: sweepPolicy,
  };
}

function earliest(watched: Watched[]): string {
  return watched.map((w) => w.since).sort()[0] as string;
}
