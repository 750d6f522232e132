import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { moduleFile } from '../connect/module-file.js';
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { createAwsActivities, type AwsAccounts } from '../activities/aws.js';
import { createEntraActivities, type EntraTenants } from '../activities/entra.js';
import { createFilingActivities } from '../activities/filing.js';
import { createLedgerActivities } from '../activities/ledger.js';
import { withStepRunner } from '../activities/step-runner.js';
import { createGcpActivities, type GcpProjects } from '../activities/gcp.js';
import { createNotifyActivities, type NotifyActivityDeps } from '../activities/notify.js';
import { createWorkspaceActivities, type WorkspaceDomains } from '../activities/workspace.js';
import { createKubernetesActivities, type KubernetesClusters } from '../activities/kubernetes.js';
import {
  principalTags,
  revokerClientDataConverter,
  revokerDataConverter,
  type PayloadKeys,
} from '../connect/payload-codec.js';
import { NOTIFY_TASK_QUEUE, PLAYBOOK_TASK_QUEUE, PROVIDER_TASK_QUEUES } from '../domain/task-queues.js';
import { HEARTBEAT_INTERVAL_MS, heartbeatWhileRunning } from './heartbeat.js';
import { deploymentOptions, type Versioning } from './versioning.js';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import type { Tracing } from '../connect/telemetry.js';
import { withTelemetry } from './telemetry.js';

export const WORKFLOWS_PATH = moduleFile('../workflows/index.ts', import.meta.url);
/**
 * The workflow bundle `npm run build` writes (dist/workflow-bundle.js): a worker started from dist/ loads it rather
 * than bundling the workflows at start, so every worker of a release runs the very code that was built and tested.
 */
export const PREBUILT_BUNDLE = import.meta.url.endsWith('.js')
  ? fileURLToPath(new URL('../workflow-bundle.js', import.meta.url))
  : undefined;

export type QueueName = 'playbooks' | 'aws' | 'entra' | 'gcp' | 'workspace' | 'kubernetes' | 'notify';
/** Every queue a worker may poll. */
export const QUEUE_NAMES: QueueName[] = ['playbooks', 'aws', 'entra', 'gcp', 'workspace', 'kubernetes', 'notify'];
/** What a worker polls by default: Google Workspace and Kubernetes too when configured (worker/main.ts). */
export const ALL_QUEUES: QueueName[] = ['playbooks', 'aws', 'entra', 'gcp', 'notify'];

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  /** Which queues this process polls: a platform team can run one provider per process with only its credentials. */
  queues: QueueName[];
  /** Clients per AWS account (worker/aws-accounts.ts). */
  aws?: AwsAccounts;
  /** A Graph client per Entra tenant (worker/entra-clients.ts). */
  entra?: EntraTenants;
  /** An IAM client per Google Cloud project (worker/gcp-clients.ts). */
  gcp?: GcpProjects;
  /** A Directory API client per Google Workspace domain (worker/workspace-clients.ts). */
  workspace?: WorkspaceDomains;
  /** Clients per Kubernetes cluster (worker/kubernetes-clients.ts). */
  kubernetes?: KubernetesClusters;
  notify?: NotifyActivityDeps;
  /** Payloads (and failure text) encrypted in history with these keys; none: in clear. */
  payloadKeys?: PayloadKeys | undefined;
  /** Threads that run workflow code (Temporal's workflowThreadPoolSize; default 1). */
  workflowThreads?: number;
  /** Workflows kept in memory (Temporal's maxCachedWorkflows; default: as many as the heap allows). */
  workflowCache?: number;
  /** A pre-built bundle (tests build one per run; built with FAILURE_CONVERTER_PATH); otherwise bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** This build's Worker Deployment version (worker/versioning.ts); none: an unversioned worker. */
  versioning?: Versioning | undefined;
  /** Where workflow and activity spans go (connect/telemetry.ts); none: nowhere. */
  tracing?: Tracing | undefined;
}

/**
 * What every worker that runs activities gets: a heartbeat while an activity runs, forwarded to the
 * server at that pace, so a cancellation reaches the call in flight within seconds; calls that end
 * before the attempt's timeout; and an intent recorded, acknowledged, before each change
 * (worker/heartbeat.ts, activities/attempt.ts).
 */
const heartbeats = (client: Client) => ({
  interceptors: {
    activity: [
      heartbeatWhileRunning(HEARTBEAT_INTERVAL_MS, {
        record: (taskToken, details) => client.activity.heartbeat(taskToken, details),
      }),
    ],
  },
  maxHeartbeatThrottleInterval: HEARTBEAT_INTERVAL_MS,
});

export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const { connection, namespace } = setup;
  // Its Updates to the principals' ledgers carry the activity's trace context.
  const client = new Client({
    connection,
    namespace,
    dataConverter: revokerClientDataConverter(setup.payloadKeys),
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
  // Every worker traced (worker/telemetry.ts); a provider's also counts its failed attempts.
  const create = (options: WorkerOptions, provider?: string) =>
    Worker.create(withTelemetry(options, { tracing: setup.tracing, provider }));
  const dataConverter = revokerDataConverter(setup.payloadKeys);
  const tags = principalTags(setup.payloadKeys);
  const HEARTBEATS = { ...heartbeats(client), dataConverter, ...deploymentOptions(setup.versioning) };
  const workers: Promise<Worker>[] = [];
  if (setup.queues.includes('playbooks')) {
    workers.push(
      create({
        connection,
        namespace,
        taskQueue: PLAYBOOK_TASK_QUEUE,
        ...HEARTBEATS,
        ...(setup.workflowThreads ? { workflowThreadPoolSize: setup.workflowThreads } : {}),
        ...(setup.workflowCache ? { maxCachedWorkflows: setup.workflowCache } : {}),
        // The principals' ledgers: Updates to other workflows, on the playbooks' own queue (no cloud credentials);
        // and the keyed hashes incidents are filed under.
        activities: {
          ...createLedgerActivities({ client, tags }),
          ...createFilingActivities({ tags }),
        },
        ...(setup.workflowBundle
          ? { workflowBundle: setup.workflowBundle }
          : PREBUILT_BUNDLE && existsSync(PREBUILT_BUNDLE)
            ? { workflowBundle: { codePath: PREBUILT_BUNDLE } }
            : { workflowsPath: WORKFLOWS_PATH }),
      }),
    );
  }
  const activityWorker = (queue: keyof typeof PROVIDER_TASK_QUEUES, activities: object) =>
    create(
      {
        connection,
        namespace,
        taskQueue: PROVIDER_TASK_QUEUES[queue],
        // A step's act and first verification run as one activity (activities/step-runner.ts).
        activities: withStepRunner(activities),
        ...HEARTBEATS,
      },
      queue,
    );
  if (setup.queues.includes('aws')) {
    if (!setup.aws) throw new Error('the aws queue needs AWS clients');
    workers.push(activityWorker('aws', createAwsActivities(setup.aws)));
  }
  if (setup.queues.includes('entra')) {
    if (!setup.entra) throw new Error('the entra queue needs a Graph client');
    workers.push(activityWorker('entra', createEntraActivities(setup.entra)));
  }
  if (setup.queues.includes('gcp')) {
    if (!setup.gcp) throw new Error('the gcp queue needs an IAM client');
    workers.push(activityWorker('gcp', createGcpActivities(setup.gcp)));
  }
  if (setup.queues.includes('workspace')) {
    if (!setup.workspace) throw new Error('the workspace queue needs a Directory API client');
    workers.push(activityWorker('workspace', createWorkspaceActivities(setup.workspace)));
  }
  if (setup.queues.includes('kubernetes')) {
    if (!setup.kubernetes) throw new Error('the kubernetes queue needs cluster clients');
    workers.push(activityWorker('kubernetes', createKubernetesActivities(setup.kubernetes)));
  }
  if (setup.queues.includes('notify')) {
    if (!setup.notify) throw new Error('the notify queue needs the notification settings');
    workers.push(
      create({
        connection,
        namespace,
        taskQueue: NOTIFY_TASK_QUEUE,
        activities: createNotifyActivities(setup.notify),
        ...HEARTBEATS,
      }),
    );
  }
  return Promise.all(workers);
}
