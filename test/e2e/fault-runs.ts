import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { statusQuery } from '../../domain/messages.js';
import type { PlaybookSettings } from '../../domain/playbook-input.js';
import type { Principal } from '../../domain/principal.js';
import type { Report } from '../../domain/report.js';
import type { AwsSeed } from '../../simulators/aws/index.js';
import type { EntraSeed } from '../../simulators/entra/index.js';
import type { GcpSeed } from '../../simulators/gcp/index.js';
import type { FaultModesInput } from '../../simulators/shared/fault-modes.js';
import type { Harness } from '../harness.js';
import { ACCOUNT, alertAbout, approve, result, settled, type playbookTracker } from './helpers.js';

/**
 * Timings for runs under transient faults: the retry backs off for longer than a change takes to propagate (a
 * retry after a lost reply then reads what the lost attempt did, instead of sending the write again), and
 * verification waits longer than that too.
 */
export const FAULT_SETTINGS: Partial<PlaybookSettings> = {
  retryInitialInterval: '300ms',
  retryMaximumInterval: '1s',
  retryMaximumAttempts: 30,
  verifyWithin: '2s',
};

/** Propagation shorter than the first retry interval above. */
export const FAULT_PROPAGATION_MS = 150;

const pad = (i: number, width: number) => String(i).padStart(width, '0');

/**
 * `count` incidents, each about one stolen identity in every cloud (an IAM user with a key, an Entra user, a
 * service account), with the seeds that add them to the sandbox: distinct principals, so the incidents run at the
 * same time instead of merging into one.
 */
export function faultIncidents(h: Harness, count: number) {
  const ids = Array.from({ length: count }, (_, i) => i);
  const aws: AwsSeed = {
    ...h.seed,
    users: [
      ...h.seed.users,
      ...ids.map((i) => ({
        userName: `victim-${i}`,
        createDate: '2026-01-01T00:00:00Z',
        accessKeys: [
          {
            accessKeyId: `AKIAVICTIM${pad(i, 10)}`,
            secretAccessKey: `victim/${pad(i, 10)}/${'k'.repeat(22)}`,
            createDate: '2026-01-01T00:00:00Z',
          },
        ],
      })),
    ],
  };
  const entraUserId = (i: number) => `00000000-0000-4000-8000-${pad(i, 12)}`;
  const entra: EntraSeed = {
    ...h.entraSeed,
    users: [
      ...h.entraSeed.users,
      ...ids.map((i) => ({
        id: entraUserId(i),
        userPrincipalName: `victim-${i}@contoso.example`,
        displayName: `Victim ${i}`,
        createdDateTime: '2026-01-01T00:00:00Z',
      })),
    ],
  };
  const email = (i: number) => `victim-${i}@${h.gcpSeed.projectId}.iam.gserviceaccount.com`;
  const gcp: GcpSeed = {
    ...h.gcpSeed,
    serviceAccounts: [
      ...h.gcpSeed.serviceAccounts,
      ...ids.map((i) => ({ email: email(i), uniqueId: `9${pad(i, 20)}`, displayName: `Victim ${i}`, keys: [] })),
    ],
  };
  const incidents: Principal[][] = ids.map((i) => [
    { type: 'aws.user', accountId: ACCOUNT, userName: `victim-${i}` },
    { type: 'entra.user', tenantId: h.entraSeed.tenant.id, user: entraUserId(i) },
    { type: 'gcp.serviceAccount', projectId: h.gcpSeed.projectId, email: email(i) },
  ]);
  return { seeds: { aws, entra, gcp }, incidents };
}

export interface FaultBatch {
  reports: Report[];
  /** Incidents that never reported, with why. */
  lost: string[];
  /** Each reported incident's time from start to report. */
  durationsMs: number[];
  /** Steps that did not end done or already, as `id status: error`. */
  failed: string[];
  /** Mutations a simulator recorded more than once for the same change to the same target. */
  duplicated: string[];
  /** Faults the random mode drew, by kind, all clouds. */
  drawn: Record<string, number>;
  /** 429 and 5xx answers drawn, all clouds. */
  fiveXx: number;
  ms: number;
}

/**
 * Contains `count` three-cloud incidents, `concurrency` at a time, with the simulators in the given fault modes
 * (random faults, propagation delay) from the first start to the last report; every step is approved. The modes
 * end before it returns, so the caller can probe the clouds cleanly.
 */
export async function containUnderFaults(
  h: Harness,
  playbooks: ReturnType<typeof playbookTracker>,
  options: { count: number; concurrency: number; modes: FaultModesInput },
): Promise<FaultBatch> {
  const { seeds, incidents } = faultIncidents(h, options.count);
  h.aws.reset(seeds.aws);
  h.entra.reset(seeds.entra);
  h.gcp.reset(seeds.gcp);
  const began = Date.now();
  for (const sim of [h.aws, h.entra, h.gcp]) sim.setFaultModes(options.modes);
  try {
    const reports: Report[] = [];
    const lost: string[] = [];
    const durationsMs: number[] = [];
    let next = 0;
    const contain = async (principals: Principal[]) => {
      const at = Date.now();
      const started = await h.start(alertAbout(principals, 'critical'), { settings: FAULT_SETTINGS });
      const handle = playbooks.handle(started.workflowId);
      // Destructive steps wait for a decision: approve them once the automatic ones are through.
      await awaitingApproval(handle, 300_000);
      await approve(handle, { approver: 'sam@example.com', actions: 'all' });
      reports.push(await result(handle));
      durationsMs.push(Date.now() - at);
    };
    const lane = async () => {
      while (next < incidents.length) {
        const principals = incidents[next++] as Principal[];
        await contain(principals).catch((error: unknown) => lost.push(`${principals[0]?.type}: ${String(error)}`));
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, lane));
    const drawn: Record<string, number> = {};
    for (const sim of [h.aws, h.entra, h.gcp]) {
      for (const [kind, n] of Object.entries(sim.faultModes().drawn)) drawn[kind] = (drawn[kind] ?? 0) + n;
    }
    const failed = reports.flatMap((r) =>
      r.actions
        .filter((a) => a.status !== 'done' && a.status !== 'already')
        .map((a) => `${a.action.id} ${a.status}: ${a.error?.message ?? a.note ?? ''}`),
    );
    return {
      reports,
      lost,
      durationsMs,
      failed,
      duplicated: duplicates(h),
      drawn,
      fiveXx: (drawn['throttle'] ?? 0) + (drawn['unavailable'] ?? 0),
      ms: Date.now() - began,
    };
  } finally {
    for (const sim of [h.aws, h.entra, h.gcp]) sim.clearFaults();
  }
}

/**
 * Polls the status until the automatic steps are through and some wait for a decision. Unlike waitForStatus, a
 * query that times out (a busy worker, ten incidents under faults on two cores) is asked again, not a failure.
 */
async function awaitingApproval(handle: WorkflowHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const status = await handle.client.withDeadline(Date.now() + 10_000, () => handle.query(statusQuery));
      if (settled(status) && status.actions.some((a) => a.status === 'awaiting-approval')) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(250);
  }
  throw new Error(`no step awaited approval within ${timeoutMs} ms (last query error: ${String(lastError)})`);
}

function duplicates(h: Harness): string[] {
  const keys = [
    ...h.aws.mutations().log.map((e) => `aws ${e.action} ${e.target} ${e.detail ?? ''}`),
    ...h.entra.mutations().log.map((e) => `entra ${e.operation} ${e.target}`),
    ...h.gcp.mutations().log.map((e) => `gcp ${e.operation} ${e.target}`),
  ];
  return [...new Set(keys.filter((key, i) => keys.indexOf(key) !== i))];
}
