import { existsSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { slackDirectMessages } from '../activities/notify-direct.js';
import { loadLinkSecrets } from '../connect/link-secrets.js';
import { loadPayloadKeys } from '../connect/payload-codec.js';
import { temporalConnectConfig } from '../connect/temporal-connection.js';
import { UiBaseUrl } from '../connect/ui-url.js';
import { loadTopologyFile } from '../connect/topology-file.js';
import { createAwsAccounts } from './aws-accounts.js';
import { createEntraTenants } from './entra-clients.js';
import { createGcpProjects } from './gcp-clients.js';
import { ALL_QUEUES, createWorkers, PREBUILT_BUNDLE, QUEUE_NAMES, type QueueName } from './create-workers.js';
import { createWorkspaceDomains } from './workspace-clients.js';
import { createKubernetesClusters } from './kubernetes-clients.js';
import { createLogger, installRuntimeLogger } from './logger.js';
import { logProcessWarnings } from '../connect/logging.js';
import { assertRequestTimeoutsFit } from './request-timeouts.js';
import { versioningFromEnv } from './versioning.js';
import { tracingFromEnv, tracingSummary } from '../connect/telemetry.js';
import { operationsFromEnv, runtimeMetrics, startOperations } from './operations.js';

/** Milliseconds, from 100 ms to 10 minutes (the activity's own time limits bound it anyway). */
const RequestTimeout = z
  .string()
  .regex(/^\d+$/, 'a whole number of milliseconds, e.g. 30000')
  .transform(Number)
  .pipe(z.number().min(100, 'at least 100 ms').max(600_000, 'at most 600000 ms (10 minutes)'))
  .optional();

const Env = z.object({
  // Default: ALL_QUEUES, and workspace when it is configured (a topology workspace section or REVOKER_WORKSPACE_ADMIN),
  // kubernetes when it is (a topology kubernetes section or REVOKER_KUBERNETES_CLUSTER).
  REVOKER_QUEUES: z
    .string()
    .transform((text) => text.split(',').map((q) => q.trim()))
    .pipe(z.array(z.enum(QUEUE_NAMES as [QueueName, ...QueueName[]])).min(1))
    .optional(),
  /**
   * Threads that run workflow code (the playbooks and the principals' ledgers): 1, Temporal's default, uses one core
   * for every workflow task; a machine with cores to spare takes more (see CONTRIBUTING.md, "Performance").
   */
  REVOKER_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(16).optional(),
  /**
   * Workflows the playbook worker keeps in memory (Temporal's maxCachedWorkflows; by default as many as its heap
   * allows, about 2 MB each): a smaller cache bounds the worker's memory, and a playbook evicted while it waits
   * replays from its history when it is next needed.
   */
  REVOKER_WORKFLOW_CACHE: z.coerce.number().int().min(1).max(100_000).optional(),
  /** The Workspace administrator the delegated service account acts as, without a topology. */
  REVOKER_WORKSPACE_ADMIN: z.email().optional(),
  /** The delegated service account's key file (default GOOGLE_APPLICATION_CREDENTIALS). */
  REVOKER_WORKSPACE_CREDENTIALS: z.string().min(1).optional(),
  REVOKER_WORKSPACE_ADMIN_ENDPOINT: z.url().optional(),
  /** Google's OAuth token endpoint, in the sandbox only. */
  REVOKER_GOOGLE_TOKEN_URL: z.url().optional(),
  REVOKER_WORKSPACE_REQUEST_TIMEOUT_MS: RequestTimeout,
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  /** The one Kubernetes cluster served without a topology, by the id alerts name it with. */
  REVOKER_KUBERNETES_CLUSTER: z.string().min(1).optional(),
  KUBECONFIG: z.string().min(1).optional(),
  REVOKER_AWS_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  AZURE_TENANT_ID: z.string().optional(),
  REVOKER_ENTRA_AUTHORITY_HOST: z.url({ protocol: /^https$/ }).optional(),
  REVOKER_GRAPH_ENDPOINT: z.url().optional(),
  REVOKER_GCP_IAM_ENDPOINT: z.url().optional(),
  // Each provider call's limit: a hung call fails retryably after it (and ends at once when Temporal cancels).
  REVOKER_AWS_REQUEST_TIMEOUT_MS: RequestTimeout,
  REVOKER_GRAPH_REQUEST_TIMEOUT_MS: RequestTimeout,
  REVOKER_GCP_REQUEST_TIMEOUT_MS: RequestTimeout,
  // A Slack/Teams incoming-webhook URL holds a secret: zod's issues do not echo the input, and nothing logs it.
  REVOKER_NOTIFY_URL: z
    .url({ protocol: /^https?$/, error: 'an incoming-webhook URL (Slack or Teams), e.g. https://hooks.slack.com/…' })
    .optional(),
  REVOKER_UI_URL: UiBaseUrl,
  // One-click links in notifications (with REVOKER_LINK_SECRETS): where responders reach Revoker's HTTP server.
  REVOKER_PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      error: "Revoker's HTTP server as responders reach it, e.g. https://revoker.example.com",
    })
    .optional(),
  REVOKER_LINK_APPROVERS: z
    .string()
    .transform((text) => text.split(',').map((identity) => identity.trim()))
    .pipe(
      z
        .array(
          z.string().regex(/^\S{1,128}$/, 'comma-separated approver identities, e.g. sam@example.com,kim@example.com'),
        )
        .min(1),
    )
    .optional(),
  // One-click links go to each approver alone, by Slack direct message: a bot token with users:read.email and chat:write.
  REVOKER_SLACK_BOT_TOKEN: z.string().regex(/^\S+$/, 'a Slack bot token (xoxb-…)').optional(),
  REVOKER_SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  // The accounts, tenants and projects the worker may act in (docs: "Many accounts"); none: its credentials' own.
  REVOKER_TOPOLOGY_FILE: z.string().min(1).optional(),
});

const logger = createLogger('revoker-worker');
logProcessWarnings(logger);

async function main(): Promise<void> {
  const env = Env.parse(process.env);
  assertRequestTimeoutsFit(env);
  const linkSecrets = loadLinkSecrets(process.env);
  if (linkSecrets.length && !env.REVOKER_PUBLIC_URL) {
    throw new Error(
      'REVOKER_LINK_SECRETS is set but REVOKER_PUBLIC_URL is not: set it to the URL responders reach the webhook server at (the links point there), or unset the secrets',
    );
  }
  const versioning = versioningFromEnv(process.env);
  const ops = operationsFromEnv(process.env);
  const tracing = tracingFromEnv('revoker-worker');
  installRuntimeLogger(logger, runtimeMetrics(ops));
  const { connectionOptions, namespace } = temporalConnectConfig();
  const connection = await NativeConnection.connect(connectionOptions);
  const payloadKeys = loadPayloadKeys(process.env);
  // Every account, tenant and project the worker may act in; read before anything connects, so a bad file stops it.
  const topology = env.REVOKER_TOPOLOGY_FILE ? loadTopologyFile(env.REVOKER_TOPOLOGY_FILE) : undefined;
  const workspaceConfigured = Boolean(topology?.topology.workspace ?? env.REVOKER_WORKSPACE_ADMIN);
  const kubernetesConfigured = Boolean(topology?.topology.kubernetes ?? env.REVOKER_KUBERNETES_CLUSTER);
  const queues: QueueName[] = env.REVOKER_QUEUES ?? [
    ...ALL_QUEUES,
    ...(workspaceConfigured ? ['workspace' as const] : []),
    ...(kubernetesConfigured ? ['kubernetes' as const] : []),
  ];
  if (queues.includes('entra') && !env.AZURE_TENANT_ID && !topology?.topology.entra) {
    throw new Error(
      'the entra queue needs AZURE_TENANT_ID (the tenant this worker contains) or an entra section in REVOKER_TOPOLOGY_FILE; or leave entra out of REVOKER_QUEUES',
    );
  }
  const workers = await createWorkers({
    connection,
    namespace,
    queues,
    payloadKeys,
    versioning,
    tracing,
    ...(env.REVOKER_WORKFLOW_THREADS ? { workflowThreads: env.REVOKER_WORKFLOW_THREADS } : {}),
    ...(env.REVOKER_WORKFLOW_CACHE ? { workflowCache: env.REVOKER_WORKFLOW_CACHE } : {}),
    ...(queues.includes('aws')
      ? {
          aws: createAwsAccounts({
            endpoint: env.REVOKER_AWS_ENDPOINT,
            region: env.AWS_REGION,
            requestTimeoutMs: env.REVOKER_AWS_REQUEST_TIMEOUT_MS,
            topology,
          }),
        }
      : {}),
    ...(queues.includes('entra')
      ? {
          entra: createEntraTenants({
            topology,
            tenantId: env.AZURE_TENANT_ID ?? '',
            authorityHost: env.REVOKER_ENTRA_AUTHORITY_HOST,
            graphEndpoint: env.REVOKER_GRAPH_ENDPOINT,
            requestTimeoutMs: env.REVOKER_GRAPH_REQUEST_TIMEOUT_MS,
          }),
        }
      : {}),
    ...(queues.includes('gcp')
      ? {
          gcp: createGcpProjects({
            topology,
            rootUrl: env.REVOKER_GCP_IAM_ENDPOINT,
            requestTimeoutMs: env.REVOKER_GCP_REQUEST_TIMEOUT_MS,
          }),
        }
      : {}),
    ...(queues.includes('workspace')
      ? {
          workspace: createWorkspaceDomains({
            topology,
            adminEmail: env.REVOKER_WORKSPACE_ADMIN,
            keyFile: env.REVOKER_WORKSPACE_CREDENTIALS ?? env.GOOGLE_APPLICATION_CREDENTIALS,
            rootUrl: env.REVOKER_WORKSPACE_ADMIN_ENDPOINT,
            tokenUrl: env.REVOKER_GOOGLE_TOKEN_URL,
            requestTimeoutMs: env.REVOKER_WORKSPACE_REQUEST_TIMEOUT_MS,
          }),
        }
      : {}),
    ...(queues.includes('kubernetes')
      ? {
          kubernetes: createKubernetesClusters({
            topology,
            clusterId: env.REVOKER_KUBERNETES_CLUSTER,
            kubeconfig: env.KUBECONFIG,
          }),
        }
      : {}),
    notify: {
      url: env.REVOKER_NOTIFY_URL,
      uiBaseUrl: env.REVOKER_UI_URL,
      ...(linkSecrets.length && env.REVOKER_PUBLIC_URL
        ? { links: { baseUrl: env.REVOKER_PUBLIC_URL, secrets: linkSecrets, approvers: env.REVOKER_LINK_APPROVERS } }
        : {}),
      ...(env.REVOKER_SLACK_BOT_TOKEN
        ? { direct: slackDirectMessages({ botToken: env.REVOKER_SLACK_BOT_TOKEN, apiUrl: env.REVOKER_SLACK_API_URL }) }
        : {}),
    },
  });
  const links = !linkSecrets.length
    ? 'no one-click links: no REVOKER_LINK_SECRETS'
    : env.REVOKER_SLACK_BOT_TOKEN
      ? 'one-click links by direct message'
      : 'no one-click links: they go only by direct message (REVOKER_SLACK_BOT_TOKEN)';
  const notifications = queues.includes('notify')
    ? env.REVOKER_NOTIFY_URL || env.REVOKER_SLACK_BOT_TOKEN
      ? `on (${links})`
      : 'off (no REVOKER_NOTIFY_URL)'
    : 'n/a';
  const history = payloadKeys ? `encrypted (key ${payloadKeys.current.id})` : 'in clear (no REVOKER_PAYLOAD_KEYS)';
  const accounts = topology
    ? `${topology.path}: ${topology.topology.aws?.accounts.length ?? 0} AWS accounts, ${topology.topology.entra?.tenants.length ?? 0} Entra tenants, ${topology.topology.gcp?.projects.length ?? 0} GCP projects, ${topology.topology.workspace?.domains.length ?? 0} Workspace domains, ${topology.topology.kubernetes?.clusters.length ?? 0} Kubernetes clusters`
    : "no REVOKER_TOPOLOGY_FILE: the credentials' own account, tenant and project";
  // Which workflow code the playbook queue runs: the release's prebuilt bundle, or the sources bundled at start.
  const workflowCode = !queues.includes('playbooks')
    ? 'n/a'
    : PREBUILT_BUNDLE && existsSync(PREBUILT_BUNDLE)
      ? `prebuilt ${PREBUILT_BUNDLE}`
      : 'bundled at start from the sources';
  // Probes and the approvals count (worker/operations.ts); the Prometheus endpoint is the runtime's.
  const operations = await startOperations({
    config: ops,
    connection,
    namespace,
    workers,
    countApprovals: queues.includes('playbooks'),
    logger,
  });
  logger.info(
    {
      address: connectionOptions.address,
      namespace,
      queues,
      notifications,
      history,
      accounts,
      workflowCode,
      versioning: versioning
        ? `${versioning.deploymentName} build ${versioning.buildId} (AUTO_UPGRADE)`
        : 'unversioned',
      tracing: tracingSummary(tracing),
      health: operations.health,
      metrics: operations.metrics,
    },
    'worker ready',
  );
  // Worker.run() handles SIGINT/SIGTERM itself: it stops polling and lets running tasks finish.
  await Promise.all(workers.map((worker) => worker.run()));
  await operations.stop();
  await tracing.shutdown();
  await connection.close();
}

main().catch((error: unknown) => {
  logger.error(
    error instanceof z.ZodError ? { issues: error.issues } : { err: error },
    'worker failed to start: check the TEMPORAL_*, REVOKER_* and cloud credential environment variables',
  );
  process.exit(1);
});
