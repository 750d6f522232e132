import { ActivityFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { AwsActivities } from '../activities/aws.js';
import type { EntraActivities } from '../activities/entra.js';
import type { GcpActivities } from '../activities/gcp.js';
import type { WorkspaceActivities } from '../activities/workspace.js';
import type { KubernetesActivities } from '../activities/kubernetes.js';
import type { AccessCheck, DoctorReport } from '../domain/doctor.js';
import type { Provider } from '../domain/principal.js';
import { PROVIDER_TASK_QUEUES } from '../domain/task-queues.js';

export interface DoctorInput {
  /** How long a cloud's queue may go unpolled before that cloud is reported as unanswered; default 15 s. */
  waitForWorkerSeconds?: number;
  /**
   * The clouds to check; default the three every deployment serves (aws, entra, gcp). Google Workspace is checked
   * when asked: `revoker doctor` asks for it when a worker polls its queue.
   */
  clouds?: Provider[];
}

export const CORE_CLOUDS: Provider[] = ['aws', 'entra', 'gcp'];

/**
 * `revoker doctor`: each cloud's worker checks every account, tenant or project it may act in, with read-only
 * calls and its own credentials, on that cloud's queue — so the answer is the one the playbooks would get.
 */
export async function doctor(input: DoctorInput = {}): Promise<DoctorReport> {
  const wait = `${input.waitForWorkerSeconds ?? 15}s`;
  const on = <T extends object>(provider: Provider) =>
    proxyActivities<T>({
      taskQueue: PROVIDER_TASK_QUEUES[provider],
      scheduleToStartTimeout: wait,
      startToCloseTimeout: '5m',
      // One look: a check that fails says why in its report rather than being retried into a hang.
      retry: { maximumAttempts: 1 },
    });
  const checks: Record<Provider, () => Promise<AccessCheck[]>> = {
    aws: () => on<Pick<AwsActivities, 'checkAwsAccess'>>('aws').checkAwsAccess(),
    entra: () => on<Pick<EntraActivities, 'checkEntraAccess'>>('entra').checkEntraAccess(),
    gcp: () => on<Pick<GcpActivities, 'checkGcpAccess'>>('gcp').checkGcpAccess(),
    workspace: () => on<Pick<WorkspaceActivities, 'checkWorkspaceAccess'>>('workspace').checkWorkspaceAccess(),
    kubernetes: () => on<Pick<KubernetesActivities, 'checkKubernetesAccess'>>('kubernetes').checkKubernetesAccess(),
  };
  const providers = (Object.keys(checks) as Provider[]).filter((p) => (input.clouds ?? CORE_CLOUDS).includes(p));
  const outcomes = await Promise.allSettled(providers.map((provider) => checks[provider]()));
  const report: DoctorReport = { checkedAt: new Date().toISOString(), checks: [], unanswered: [] };
  outcomes.forEach((outcome, i) => {
    const cloud = providers[i] as Provider;
    if (outcome.status === 'fulfilled') report.checks.push(...outcome.value);
    else report.unanswered.push({ cloud, problem: whyUnanswered(outcome.reason, cloud, wait) });
  });
  return report;
}

function whyUnanswered(error: unknown, cloud: Provider, wait: string): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) {
    return `no worker took the check from ${PROVIDER_TASK_QUEUES[cloud]} within ${wait}: start a worker that serves it (REVOKER_QUEUES includes ${cloud})`;
  }
  return cause instanceof Error ? cause.message : String(cause);
}
