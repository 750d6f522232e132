import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slackDirectMessages } from '../activities/notify-direct.js';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';
import {
  EncryptionCodec,
  generatePayloadKeyEntry,
  loadPayloadKeys,
  revokerClientDataConverter,
  type PayloadKeys,
} from '../connect/payload-codec.js';
import type { TopologyFile } from '../connect/topology-file.js';
import { identityVerifier } from '../client/approval-links/identity-token.js';
import { temporalLinkPlaybooks } from '../client/approval-links/link-playbooks.js';
import { decisionSealer } from '../connect/decision-seal.js';
import { createWebhookApp } from '../client/webhook/app.js';
import { startWebhookServer } from '../client/webhook/server.js';
import { startAwsSimulator, type AwsSeed, type AwsSimulator } from '../simulators/aws/index.js';
import {
  keyFileOf as keyFileOfWorkspace,
  startWorkspaceSimulator,
  WORKSPACE_SANDBOX,
  type WorkspaceSimulator,
} from '../simulators/workspace/index.js';
import { createWorkspaceDomains } from '../worker/workspace-clients.js';
import {
  defaultSandboxCaDir,
  ensureSandboxCa,
  startEntraSimulator,
  type EntraSeed,
  type EntraSimulator,
} from '../simulators/entra/index.js';
import { startGcpSimulator, type GcpHierarchy, type GcpSeed, type GcpSimulator } from '../simulators/gcp/index.js';
import { startIdentityProvider, type IdentityProvider } from '../simulators/identity/index.js';
import { ensureTemporalCli } from '../scripts/ensure-temporal-cli.mjs';
import { createAwsAccounts } from '../worker/aws-accounts.js';
import { ALL_QUEUES, createWorkers, type QueueName } from '../worker/create-workers.js';
import { bundlePlaybookWorkflows } from './workflow-bundle.js';
import { createEntraTenants } from '../worker/entra-clients.js';
import { createGcpProjects } from '../worker/gcp-clients.js';
import { createKubernetesClusters } from '../worker/kubernetes-clients.js';
import { KUBE_SANDBOX, startKubeSandbox, type KubeSandbox } from './kube-sandbox.js';
import type { Seeds } from './inputs.js';
import { startNotificationReceiver, type NotificationReceiver } from './notification-receiver.js';
import { responderCredentials, responderEnvironment, setEnvironment } from './responders.js';

/**
 * Everything a playbook needs, in this process: a Temporal dev server (with the Web UI and
 * Revoker's search attributes), the three simulators seeded from `seeds`, one workflow bundle,
 * the real workers polling every queue as the seeds' `revoker-responder` identities, a stand-in
 * chat webhook, and Revoker's HTTP server for one-click links. Shared by `startSandbox` and the
 * repo's end-to-end harness.
 */
export interface Stack {
  env: TestWorkflowEnvironment;
  client: Client;
  /** The dev server's Temporal Web UI, e.g. `http://127.0.0.1:41234` (it may still be starting). */
  uiUrl: string;
  aws: AwsSimulator;
  entra: EntraSimulator;
  gcp: GcpSimulator;
  /** Google Workspace's Directory API and token endpoint, with the apps' side (the stolen tokens they hold). */
  workspace: WorkspaceSimulator;
  /**
   * With `kubernetes: true`: a real control plane seeded as the Kubernetes sandbox (testing/kube-sandbox.ts), which
   * the workers reach as Revoker's least-privilege identity, cluster id `sandbox`.
   */
  kubernetes?: KubeSandbox;
  seeds: Seeds;
  /** The stand-in chat the notify activities post to: the channel's webhook and each approver's direct messages. */
  notifications: NotificationReceiver;
  /**
   * Revoker's HTTP server (intake and one-click links) on a loopback port, the secret its links are signed with, and
   * the public key of the seal it puts on the decisions it verified (for a policy's `verifierKeys`).
   */
  links: { baseUrl: string; secret: string; verifierKey: string };
  /**
   * The identity provider Revoker's server trusts here: it signs identity tokens (REVOKER_IDENTITY_TOKEN) and
   * signs people in with the device grant (`revoker login`).
   */
  identity: IdentityProvider;
  /**
   * The keys payloads are encrypted with in history (REVOKER_PAYLOAD_KEYS if set, else one made for
   * this stack), and the codec endpoint the Web UI decodes them through (`<webhook>/codec`).
   */
  payloads: { keys: PayloadKeys; codecEndpoint: string };
  /** Stops the workers, then everything else, and puts back the environment variables it set. */
  close(): Promise<void>;
}

/**
 * Starts the stack. The workers' cloud credentials go into process.env, as a deployment passes
 * them (put back on close), so one stack runs per process at a time.
 */
export async function startStack(
  seeds: Seeds,
  {
    kubernetes = false,
    queues = [...ALL_QUEUES, 'workspace', ...(kubernetes ? (['kubernetes'] as const) : [])],
    topology,
    entraTenants = [],
    awsAccounts = [],
    gcpOrganisation,
    workflowThreads,
    workflowCache,
  }: {
    /**
     * Serve the Kubernetes sandbox too: etcd, kube-apiserver and kube-controller-manager, ready in about 6 s, but
     * built from the Go module proxy the first time on a machine (scripts/ensure-kube.mjs: 11 to 18 minutes on 2
     * cores, then cached in ~/.cache/revoker). Default false.
     */
    kubernetes?: boolean;
    /** The queues this process's workers poll: a crash test runs the cloud queues in a worker process of its own. */
    queues?: QueueName[];
    /** The workers' topology file (REVOKER_TOPOLOGY_FILE): the accounts, tenants and projects they may act in. */
    topology?: TopologyFile;
    /** More Entra tenants the simulator serves beside seeds.entra (e.g. its fixtures/fabrikam.json). */
    entraTenants?: EntraSeed[];
    /** Member AWS accounts the simulator serves beside seeds.aws (e.g. its `organisationSeeds()`). */
    awsAccounts?: AwsSeed[];
    /** More Google Cloud projects beside seeds.gcp, and the folders they sit in (its `organisationSeeds()`). */
    gcpOrganisation?: { projects: GcpSeed[]; hierarchy: GcpHierarchy };
    /** Threads that run workflow code (REVOKER_WORKFLOW_THREADS; default 1). */
    workflowThreads?: number;
    /** Workflows the playbook worker keeps in memory (REVOKER_WORKFLOW_CACHE; default as many as the heap allows). */
    workflowCache?: number;
  } = {},
): Promise<Stack> {
  const tls = await ensureSandboxCa(defaultSandboxCaDir());
  assertCaTrusted(tls.caCertPath);
  const credentials = responderCredentials(seeds);

  // Torn down in reverse order of start, on close or when a later start fails.
  const closers: (() => Promise<unknown> | void)[] = [];
  const close = async () => {
    const errors: unknown[] = [];
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'the sandbox did not close cleanly');
  };
  const started = <T>(starting: Promise<T>, closer: (value: T) => Promise<unknown>) =>
    starting.then((value) => {
      closers.push(() => closer(value));
      return value;
    });

  try {
    const keyDir = mkdtempSync(join(tmpdir(), 'revoker-gcp-'));
    closers.push(() => rmSync(keyDir, { recursive: true, force: true }));
    const keyFile = join(keyDir, 'responder.json');
    writeFileSync(keyFile, JSON.stringify(credentials.gcp), { mode: 0o600 });
    // The delegated service account Workspace containment acts through (domain-wide delegation).
    const workspaceKeyFile = join(keyDir, 'workspace-responder.json');
    writeFileSync(workspaceKeyFile, JSON.stringify(keyFileOfWorkspace(seeds.workspace)), { mode: 0o600 });
    closers.push(setEnvironment(responderEnvironment(credentials, keyFile)));

    const entraTls = { certPath: tls.certPath, keyPath: tls.keyPath };
    // Everything that listens on a port the OS picks starts first and holds it, so the ports chosen below for the
    // Web UI and the webhook (free now, bound later) cannot be handed to one of them in between.
    const listening = [
      started(startAwsSimulator({ seed: seeds.aws, accounts: awsAccounts }), (aws) => aws.close()),
      started(startGcpSimulator({ seed: seeds.gcp, ...gcpOrganisation }), (gcp) => gcp.close()),
      started(startEntraSimulator({ seed: seeds.entra, tenants: entraTenants, tls: entraTls }), (entra) =>
        entra.close(),
      ),
      started(startWorkspaceSimulator({ seed: seeds.workspace }), (workspace) => workspace.close()),
      started(startNotificationReceiver(), (receiver) => receiver.close()),
      started(startIdentityProvider({ intervalSeconds: 1 }), (idp) => idp.close()),
    ] as const;
    // The control plane listens (etcd, kube-apiserver) by the time it resolves, so it is among them.
    const kubeStarting = kubernetes ? started(startKubeSandbox(), (sandbox) => sandbox.close()) : undefined;
    await Promise.allSettled([...listening, kubeStarting]);
    const [aws, gcp, entra, workspace, receiver, issuer] = await Promise.all(listening);
    const kube = await kubeStarting;
    const uiPort = await freePort();
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    // History encrypted as in production; the UI decodes through the webhook's codec endpoint.
    // Into the environment when made here, as a deployment passes them: the CLI run in-process reads them there.
    if (!loadPayloadKeys(process.env)) {
      closers.push(setEnvironment({ REVOKER_PAYLOAD_KEYS: generatePayloadKeyEntry('sandbox') }));
    }
    const payloadKeys = loadPayloadKeys(process.env) as PayloadKeys;
    const dataConverter = revokerClientDataConverter(payloadKeys);
    const webhookPort = await freePort();
    const codecEndpoint = `http://127.0.0.1:${webhookPort}/codec`;
    const starting = [
      started(
        TestWorkflowEnvironment.createLocal({
          client: { dataConverter },
          server: {
            executable: { type: 'existing-path', path: ensureTemporalCli() },
            searchAttributes: SEARCH_ATTRIBUTES,
            // The Web UI, to watch a test's playbooks (and for the repo's browser test of approving there).
            ip: '127.0.0.1',
            ui: true,
            uiPort,
            // Off by default in the server; halves each activity hop, as in `npm start`.
            extraArgs: [
              '--dynamic-config-value',
              'system.enableActivityEagerExecution=true',
              '--ui-codec-endpoint',
              codecEndpoint,
            ],
          },
        }),
        (env) => env.teardown(),
      ),
      bundlePlaybookWorkflows(),
    ] as const;
    // Every start settles (and registers its closer) before the first failure is thrown.
    await Promise.allSettled(starting);
    const [env, workflowBundle] = await Promise.all(starting);

    const linkSecret = randomBytes(32).toString('base64url');
    const sealer = decisionSealer(generateKeyPairSync('ed25519').privateKey);
    const server = await started(
      startWebhookServer({
        port: webhookPort,
        host: '127.0.0.1',
        app: createWebhookApp({
          auth: { bearerTokens: [randomBytes(24).toString('base64url')], hmacSecrets: [] },
          startPlaybook: () => Promise.reject(new Error('the test stack starts playbooks itself')),
          links: {
            secrets: [linkSecret],
            playbooks: temporalLinkPlaybooks(env.client, { sealer, uiBaseUrl: uiUrl }),
            identity: identityVerifier({ issuer: issuer.issuer, audience: issuer.audience, keys: issuer.jwks }),
          },
          codec: {
            codec: new EncryptionCodec(payloadKeys),
            auth: 'loopback-only',
            uiOrigins: [uiUrl],
            namespace: env.namespace ?? 'default',
          },
        }),
      }),
      (webhook) => webhook.close(),
    );
    const workers: Worker[] = await createWorkers({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      queues,
      payloadKeys,
      aws: createAwsAccounts({ endpoint: aws.endpoint, topology }),
      gcp: createGcpProjects({ rootUrl: gcp.rootUrl, topology }),
      entra: createEntraTenants({
        topology,
        tenantId: credentials.entra.tenantId,
        authorityHost: entra.authorityHost,
        graphEndpoint: entra.graphEndpoint,
      }),
      workspace: createWorkspaceDomains({
        topology,
        adminEmail: WORKSPACE_SANDBOX.admin.email,
        keyFile: workspaceKeyFile,
        rootUrl: workspace.rootUrl,
        tokenUrl: workspace.tokenUrl,
      }),
      ...(kube
        ? {
            kubernetes: createKubernetesClusters({
              topology,
              clusterId: KUBE_SANDBOX.clusterId,
              kubeconfig: kube.cluster.kubeconfigPath('revoker'),
            }),
          }
        : {}),
      notify: {
        url: receiver.url,
        uiBaseUrl: uiUrl,
        links: { baseUrl: server.url, secrets: [linkSecret] },
        direct: slackDirectMessages(receiver.slack),
      },
      workflowBundle,
      ...(workflowThreads ? { workflowThreads } : {}),
      ...(workflowCache ? { workflowCache } : {}),
    });
    const running = Promise.all(workers.map((worker) => worker.run()));
    closers.push(() => {
      workers.forEach((worker) => worker.shutdown());
      return running;
    });

    return {
      env,
      client: env.client,
      uiUrl,
      aws,
      entra,
      gcp,
      workspace,
      ...(kube ? { kubernetes: kube } : {}),
      seeds,
      notifications: receiver.notifications,
      links: { baseUrl: server.url, secret: linkSecret, verifierKey: sealer.publicKey },
      identity: issuer,
      payloads: { keys: payloadKeys, codecEndpoint },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * The Entra simulator serves HTTPS (MSAL refuses anything else) with a local CA, and Node reads
 * NODE_EXTRA_CA_CERTS once, at process start: setting it from code is too late.
 */
function assertCaTrusted(caCertPath: string): void {
  const named = process.env.NODE_EXTRA_CA_CERTS;
  const ca = readFileSync(caCertPath, 'utf8').trim();
  let trusted = '';
  try {
    trusted = named ? readFileSync(named, 'utf8') : '';
  } catch {
    // Unreadable: reported below like a missing one.
  }
  if (trusted.includes(ca)) return;
  throw new Error(
    `The Entra simulator serves HTTPS with the sandbox CA ${caCertPath}, which Node trusts only when ` +
      `NODE_EXTRA_CA_CERTS names it at process start (${named ? `it names ${named}` : 'it is not set'}). ` +
      `Run the tests with:\n\n  NODE_EXTRA_CA_CERTS="$(${ensureCaCommand()})" node --test <test files>\n\n` +
      `(that prints a file holding the sandbox CA and whatever NODE_EXTRA_CA_CERTS named before; ` +
      `in this repo, \`npm test\` does it for you).`,
  );
}

/** The command that creates the sandbox CA and prints the file to trust: the sources' or the release build's. */
function ensureCaCommand(): string {
  const fromSources = import.meta.url.endsWith('.ts');
  const main = relative(
    process.cwd(),
    fileURLToPath(new URL(`../simulators/entra/main.${fromSources ? 'ts' : 'js'}`, import.meta.url)),
  );
  return `node ${fromSources ? '--import tsx ' : ''}${main} --ensure-ca`;
}

/** A port nothing listens on now (the OS's pick), for the dev server's UI, which needs an explicit one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** State-changing calls by cloud and operation; `kubernetes` only where the Kubernetes sandbox is served. */
export type CloudMutations = Record<'aws' | 'entra' | 'gcp' | 'workspace', Record<string, number>> & {
  kubernetes?: Record<string, number>;
};

/** What each sandbox cloud changed since its last reset, by operation: `{}` everywhere for a dry run. */
export function cloudMutations(
  clouds: Pick<Stack, 'aws' | 'entra' | 'gcp' | 'workspace'> & { kubernetes?: KubeSandbox | undefined },
): CloudMutations {
  return {
    aws: clouds.aws.mutations().counts,
    entra: clouds.entra.mutations().counts,
    gcp: clouds.gcp.mutations().counts,
    workspace: clouds.workspace.mutations().counts,
    ...(clouds.kubernetes ? { kubernetes: clouds.kubernetes.mutations().counts } : {}),
  };
}
