// The embedded default that `npm start` runs: Temporal dev server + Web UI, the sandbox clouds,
// one worker process polling every queue, and the webhook. Ctrl-C stops it all; state lives in
// .revoker/, so a second start resumes the playbooks left running.
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatePayloadKeyEntry } from '../connect/payload-codec.js';
import { searchAttributeFlags } from '../domain/search-attributes.js';
import { registerSearchAttributes } from '../connect/search-attributes.js';
import { loadAwsSeed, organisationSeeds, startAwsSimulator, type AwsSimulator } from '../simulators/aws/index.js';
import { detonateOnce } from '../simulators/aws/stratus.js';
import {
  ENTRA_SANDBOX,
  ensureSandboxCa,
  loadEntraSeed,
  trustFile,
  SECOND_TENANT_SEED_PATH,
  startEntraSimulator,
  type EntraSimulator,
} from '../simulators/entra/index.js';
import {
  DEFAULT_SEED_PATH as GCP_SEED,
  GCP_SANDBOX,
  keyFileOf,
  loadGcpSeed,
  organisationSeeds as gcpOrganisationSeeds,
  startGcpSimulator,
  type GcpSimulator,
} from '../simulators/gcp/index.js';
import {
  keyFileOf as workspaceKeyFileOf,
  loadWorkspaceSeed,
  DEFAULT_SEED_PATH as WORKSPACE_SEED,
  startWorkspaceSimulator,
  type WorkspaceSimulator,
} from '../simulators/workspace/index.js';
import { KUBE_SANDBOX, startKubeSandbox, type KubeSandbox } from '../testing/kube-sandbox.js';
import { generateDecisionKeyPem } from '../connect/decision-seal.js';
import { ROOT } from './bootstrap.mjs';
import { BINARIES, ensureKube, findCachedKube, KUBE_VERSION } from './ensure-kube.mjs';
import { ensureTemporalCli } from './ensure-temporal-cli.mjs';
import { startIdentityProvider, type IdentityProvider } from '../simulators/identity/index.js';
import { startSandboxChat } from './sandbox-chat.js';

const env = process.env;
const ports = {
  temporal: Number(env.REVOKER_TEMPORAL_PORT ?? 7233),
  ui: Number(env.REVOKER_UI_PORT ?? 8233),
  webhook: Number(env.REVOKER_WEBHOOK_PORT ?? 8080),
  aws: Number(env.REVOKER_AWS_SIM_PORT ?? 9101),
  entra: Number(env.REVOKER_ENTRA_SIM_PORT ?? 9102),
  gcp: Number(env.REVOKER_GCP_SIM_PORT ?? 9103),
  identity: Number(env.REVOKER_IDENTITY_SIM_PORT ?? 9104),
  workspace: Number(env.REVOKER_WORKSPACE_SIM_PORT ?? 9105),
};
// REVOKER_STATE_DIR: another place for the state (the restart tests run a whole stack in a temporary one).
const STATE_DIR = env.REVOKER_STATE_DIR ?? join(ROOT, '.revoker');
const SANDBOX_SEED = join(ROOT, 'simulators', 'aws', 'fixtures', 'sandbox.json');
const SAMPLE_ALERT = join('examples', 'alerts', 'mixed-cloud.json');
/** The user the tour's attacker creates with alice's key. */
const TOUR_BACKDOOR = 'svc-backup';
/** The sandbox organisation's topology (every account, tenant and project the worker may act in), unless one is named. */
const SANDBOX_TOPOLOGY = join(ROOT, 'examples', 'topology.yaml');
const RESPONDER = 'revoker-responder';
/** The Kubernetes sandbox's control plane: etcd's data, its CA, kubeconfigs, logs and the stolen tokens. */
const KUBE_STATE = join(STATE_DIR, 'kube-sandbox');
const KUBE_ALERT = join('examples', 'alerts', 'kubernetes-stolen-token.json');

const children: ChildProcess[] = [];
// The worker and webhook log JSON (for log shippers); a person at a terminal reads it pretty.
const pretty = prettyFactory({ colorize: process.stdout.isTTY, ignore: 'pid,hostname,name', singleLine: true });
const simulators: (AwsSimulator | EntraSimulator | GcpSimulator | WorkspaceSimulator | IdentityProvider)[] = [];
let kube: KubeSandbox | undefined;
let stopping = false;

function say(line: string): void {
  process.stdout.write(`[revoker] ${line}\n`);
}

function printChat(text: string): void {
  for (const line of text.split('\n')) process.stdout.write(`[chat] ${line}\n`);
}

/** Starts a child with prefixed output; resolves when `readyPattern` shows up in its output. */
function startChild(name: string, command: string, args: string[], childEnv: NodeJS.ProcessEnv, readyPattern: RegExp) {
  const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise<void>((resolve, reject) => {
    let ready = false;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        process.stdout.write(`[${name}] ${line.startsWith('{') ? pretty(line).trimEnd() : line}\n`);
        if (!ready && readyPattern.test(line)) {
          ready = true;
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
      else if (!stopping) {
        say(`${name} stopped unexpectedly (code ${code}); shutting down`);
        void shutdown(1);
      }
    });
  });
}

async function waitForTemporal(address: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.healthService.check({});
    } catch {
      await connection?.close();
      await sleep(500);
      continue;
    }
    try {
      // A state kept from an older Revoker lacks the search attributes added since: add them before any playbook.
      const added = await registerSearchAttributes(connection, 'default');
      if (added.length) say(`registered search attributes missing from the kept state: ${added.join(', ')}`);
    } finally {
      await connection.close();
    }
    return;
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s`);
}

/** The sandbox's payload key, kept across starts like the webhook token (its histories stay readable). */
function payloadKeysFile(): string {
  const file = join(STATE_DIR, 'payload-keys');
  if (!existsSync(file)) writeFileSync(file, `${generatePayloadKeyEntry('sandbox')}\n`, { mode: 0o600 });
  return file;
}

function webhookToken(): string {
  const file = join(STATE_DIR, 'webhook-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** The one-click links' signing secret, kept across starts: a link sent before a restart still works. */
function linkSecretsFile(): string {
  const file = join(STATE_DIR, 'link-secret');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  return file;
}

/**
 * The key the webhook seals verified decisions with, kept across starts: a playbook checks seals against the key
 * it started with, so a link opened after a restart still counts as verified.
 */
function decisionKeyFile(): string {
  const file = join(STATE_DIR, 'decision-key.pem');
  if (!existsSync(file)) writeFileSync(file, generateDecisionKeyPem(), { mode: 0o600 });
  return file;
}

/**
 * How the Kubernetes sandbox can start: `now` when the control plane is built (cached, or named by KUBE_*_PATH),
 * `after-build` when it must first be built (11 to 18 minutes on 2 cores, once a machine), `off` on request.
 */
function kubernetesPlan(): 'now' | 'after-build' | 'off' {
  if (['off', '0', 'false'].includes(env.REVOKER_SANDBOX_KUBERNETES ?? '')) return 'off';
  const named = Object.values(BINARIES).every((binary) => env[binary.env]);
  return named || findCachedKube() ? 'now' : 'after-build';
}

/** Starts the Kubernetes sandbox on its kept state and writes the tokens the tour "steals" (a sandbox's, mode 600). */
async function startKubernetes(): Promise<KubeSandbox> {
  const sandbox = await startKubeSandbox({ stateDir: KUBE_STATE, resume: true });
  kube = sandbox;
  writeFileSync(join(KUBE_STATE, 'stolen-pod-token'), await sandbox.podToken({ expirationSeconds: 86_400 }), {
    mode: 0o600,
  });
  const legacyFile = join(KUBE_STATE, 'stolen-legacy-token');
  if (await sandbox.tokenSecret()) writeFileSync(legacyFile, await sandbox.legacyToken(), { mode: 0o600 });
  else rmSync(legacyFile, { force: true });
  return sandbox;
}

/** What the worker needs to reach the sandbox cluster as Revoker's least-privilege identity. */
function kubernetesWorkerEnv(sandbox: KubeSandbox): NodeJS.ProcessEnv {
  return {
    REVOKER_KUBERNETES_CLUSTER: KUBE_SANDBOX.clusterId,
    KUBECONFIG: sandbox.cluster.kubeconfigPath('revoker'),
  };
}

function sayKubernetes(sandbox: KubeSandbox): void {
  const state = relative(ROOT, KUBE_STATE);
  say(
    `Kubernetes sandbox ${sandbox.cluster.server}  (cluster ${KUBE_SANDBOX.clusterId}: ${KUBE_SANDBOX.namespace}/${KUBE_SANDBOX.serviceAccount}, Pod ${KUBE_SANDBOX.pod}, legacy token Secret ${KUBE_SANDBOX.tokenSecret}; admin kubeconfig ${state}/admin.kubeconfig)`,
  );
}

function sayKubernetesTour(sandbox: KubeSandbox, webhookUrl: string): void {
  const state = relative(ROOT, KUBE_STATE);
  say(`Try the token stolen from Pod ${KUBE_SANDBOX.pod} (200 now, 401 once an approved playbook deleted the Pod):`);
  say(
    `  curl -sS -o /dev/null -w '%{http_code}\\n' --cacert ${state}/pki/ca.crt -H "Authorization: Bearer $(cat ${state}/stolen-pod-token)" ${sandbox.cluster.server}/api/v1/namespaces/${KUBE_SANDBOX.namespace}/pods`,
  );
  say(
    `  Post ${KUBE_ALERT} to ${webhookUrl}/alerts as above and approve: the Pod goes, and the account leaves its bindings (403 for ${state}/stolen-legacy-token until a release puts them back; an alert naming the account itself, kubernetes.serviceAccount, deletes that token's Secret at once).`,
  );
}

async function main(): Promise<void> {
  mkdirSync(STATE_DIR, { recursive: true });
  const temporalCli = env.TEMPORAL_CLI_PATH ?? ensureTemporalCli();
  const address = `127.0.0.1:${ports.temporal}`;
  const uiUrl = `http://localhost:${ports.ui}`;

  say(`starting Temporal dev server (${temporalCli})`);
  void startChild(
    'temporal',
    temporalCli,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(ports.temporal),
      '--ui-port',
      String(ports.ui),
      '--db-filename',
      join(STATE_DIR, 'temporal.db'),
      '--log-level',
      'error',
      // Off by default in the server; halves each activity hop (DESIGN.md, latency floor).
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=true',
      // History is encrypted (REVOKER_PAYLOAD_KEYS): the UI decodes it through the webhook's codec endpoint.
      '--ui-codec-endpoint',
      `http://127.0.0.1:${ports.webhook}/codec`,
      ...searchAttributeFlags(),
    ],
    env,
    /Server:\s/,
  ).catch((error: unknown) => {
    if (stopping) return;
    say(String(error));
    void shutdown(1);
  });
  await waitForTemporal(address);

  const seed = loadAwsSeed(SANDBOX_SEED);
  const responderKey = seed.users.find((u) => u.userName === RESPONDER)?.accessKeys[0];
  if (!responderKey) throw new Error(`${SANDBOX_SEED} has no ${RESPONDER} user with an access key`);
  // MSAL insists on https: the Entra simulator serves a certificate from a CA made here, which the
  // worker trusts through NODE_EXTRA_CA_CERTS.
  const ca = await ensureSandboxCa(join(STATE_DIR, 'sandbox-ca'));
  const gcpKeyFile = join(STATE_DIR, 'gcp-responder-key.json');
  writeFileSync(gcpKeyFile, JSON.stringify(keyFileOf(loadGcpSeed(GCP_SEED), GCP_SANDBOX.responder.keyName)), {
    mode: 0o600,
  });
  const workspaceKeyFile = join(STATE_DIR, 'workspace-responder-key.json');
  writeFileSync(workspaceKeyFile, JSON.stringify(workspaceKeyFileOf(loadWorkspaceSeed(WORKSPACE_SEED))), {
    mode: 0o600,
  });
  const kubernetes = kubernetesPlan();
  if (kubernetes === 'now') say(`starting the Kubernetes sandbox (${KUBE_STATE})`);
  const [aws, entra, gcp, workspace, identity, kubeReady] = await Promise.all([
    // A small organisation: the hub account and two members (examples/topology.yaml lists them).
    startAwsSimulator({
      port: ports.aws,
      seed,
      accounts: organisationSeeds(),
      stateFile: join(STATE_DIR, 'aws-sandbox.json'),
    }),
    startEntraSimulator({
      port: ports.entra,
      tenants: [loadEntraSeed(SECOND_TENANT_SEED_PATH)],
      tls: { certPath: ca.certPath, keyPath: ca.keyPath },
      stateFile: join(STATE_DIR, 'entra-sandbox.json'),
    }),
    // acme-prod and, in the analytics folder, acme-data (acme-lab too, which grants Revoker nothing).
    startGcpSimulator({ port: ports.gcp, ...gcpOrganisationSeeds(), stateFile: join(STATE_DIR, 'gcp-sandbox.json') }),
    startWorkspaceSimulator({ port: ports.workspace, stateFile: join(STATE_DIR, 'workspace-sandbox.json') }),
    // The identity provider `revoker login` signs responders in with (OIDC device login).
    startIdentityProvider({ port: ports.identity }),
    // etcd, kube-apiserver and kube-controller-manager: about 6 s, on the state of the last run.
    kubernetes === 'now'
      ? startKubernetes().catch((error: unknown) => {
          say(`Kubernetes sandbox did not start: ${error instanceof Error ? error.message : String(error)}`);
          say(`(its logs: ${join(KUBE_STATE, 'logs')}; the other clouds are unaffected)`);
          return undefined;
        })
      : undefined,
  ]);
  simulators.push(aws, entra, gcp, workspace, identity);
  // The tour's attacker: alice's stolen key plants a backdoor once per sandbox state, for the sample alert's sweep.
  const alice = seed.users.find((u) => u.userName === 'alice')?.accessKeys[0];
  const planted = alice
    ? await detonateOnce(aws.endpoint, alice, responderKey, TOUR_BACKDOOR).catch((error: unknown) => {
        say(
          `the tour's attacker could not plant its backdoor: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      })
    : false;

  // No chat in the sandbox: a local stand-in prints each notification and each approver's direct
  // message (their one-click links), unless REVOKER_NOTIFY_URL names a real channel.
  const chat = env.REVOKER_NOTIFY_URL ? undefined : await startSandboxChat(printChat);
  const notifyUrl = env.REVOKER_NOTIFY_URL ?? chat?.url;
  const webhookUrl = `http://localhost:${ports.webhook}`;
  const common = {
    ...env,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    REVOKER_LINK_SECRETS_FILE: linkSecretsFile(),
    REVOKER_PAYLOAD_KEYS_FILE: payloadKeysFile(),
  };
  const tsx = [process.execPath, '--import', 'tsx'] as const;
  const workerEnv: NodeJS.ProcessEnv = {
    ...common,
    REVOKER_TOPOLOGY_FILE: env.REVOKER_TOPOLOGY_FILE ?? SANDBOX_TOPOLOGY,
    // The sandbox responders' credentials, exactly as a real deployment passes them: the environment.
    REVOKER_AWS_ENDPOINT: aws.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: responderKey.accessKeyId,
    AWS_SECRET_ACCESS_KEY: responderKey.secretAccessKey,
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    NODE_EXTRA_CA_CERTS: trustFile(ca, process.env.NODE_EXTRA_CA_CERTS),
    REVOKER_ENTRA_AUTHORITY_HOST: entra.authorityHost,
    REVOKER_GRAPH_ENDPOINT: entra.graphEndpoint,
    AZURE_TENANT_ID: ENTRA_SANDBOX.tenantId,
    AZURE_CLIENT_ID: ENTRA_SANDBOX.responder.appId,
    AZURE_CLIENT_SECRET: ENTRA_SANDBOX.responder.secret,
    AZURE_CLIENT_CERTIFICATE_PATH: '',
    REVOKER_GCP_IAM_ENDPOINT: gcp.rootUrl,
    // Google Workspace through domain-wide delegation: the Directory API and Google's token endpoint, sandboxed.
    REVOKER_WORKSPACE_ADMIN_ENDPOINT: workspace.rootUrl,
    REVOKER_GOOGLE_TOKEN_URL: workspace.tokenUrl,
    REVOKER_WORKSPACE_CREDENTIALS: workspaceKeyFile,
    // Deep links in notifications point at this UI; one-click links at the webhook, for this sandbox identity.
    REVOKER_UI_URL: uiUrl,
    REVOKER_NOTIFY_URL: notifyUrl,
    REVOKER_PUBLIC_URL: webhookUrl,
    REVOKER_LINK_APPROVERS: 'responder@example.com',
    ...(chat ? { REVOKER_SLACK_API_URL: chat.slack.apiUrl, REVOKER_SLACK_BOT_TOKEN: chat.slack.botToken } : {}),
    GOOGLE_APPLICATION_CREDENTIALS: gcpKeyFile,
  };
  // The sandbox cluster only: a kubeconfig of your own (KUBECONFIG) is not the worker's.
  delete workerEnv.KUBECONFIG;
  delete workerEnv.REVOKER_KUBERNETES_CLUSTER;
  await Promise.all([
    startChild(
      'worker',
      tsx[0],
      [...tsx.slice(1), 'worker/main.ts'],
      { ...workerEnv, ...(kubeReady ? kubernetesWorkerEnv(kubeReady) : {}) },
      /worker ready/,
    ),
    startChild(
      'webhook',
      tsx[0],
      [...tsx.slice(1), 'client/webhook/main.ts'],
      {
        ...common,
        REVOKER_WEBHOOK_PORT: String(ports.webhook),
        REVOKER_WEBHOOK_TOKEN: webhookToken(),
        REVOKER_DECISION_KEY_FILE: decisionKeyFile(),
        REVOKER_UI_URL: uiUrl,
        // Identity tokens from the sandbox's identity provider: `revoker login` (see the start banner).
        REVOKER_IDENTITY_ISSUER: identity.issuer,
        REVOKER_IDENTITY_JWKS_URL: identity.jwksUrl,
        REVOKER_IDENTITY_AUDIENCE: identity.audience,
        // The UI opened either way decodes through /codec.
        REVOKER_CODEC_UI_ORIGINS: `${uiUrl},http://127.0.0.1:${ports.ui}`,
      },
      /listening/,
    ),
  ]);

  const curl = [
    `curl -sS -X POST ${webhookUrl}/alerts`,
    `-H "Authorization: Bearer $(cat .revoker/webhook-token)"`,
    `-H 'Content-Type: application/json'`,
    `--data @${SAMPLE_ALERT}`,
  ].join(' ');
  say('');
  say(`Temporal Web UI   ${uiUrl}`);
  say(`Temporal gRPC     ${address}`);
  say(`Webhook           ${webhookUrl}/alerts`);
  say(
    `AWS sandbox       ${aws.endpoint}  (IAM/STS/S3, hub account ${aws.accountId}: alice; members 210987654321: bob, 345678901234: carol)`,
  );
  say(
    `Entra sandbox     ${entra.authorityHost}  (token endpoint + Graph, tenant contoso: adele, app "Mail Sync Pro"; tenant fabrikam: diego)`,
  );
  say(
    `GCP sandbox       ${gcp.rootUrl}  (IAM, project ${gcp.projectId}: etl-runner and its keys; acme-data: pipeline)`,
  );
  say(`Workspace sandbox ${workspace.rootUrl}  (Directory API, acme.example: maria and li granted "Mail Helper Pro")`);
  if (kubeReady) sayKubernetes(kubeReady);
  else if (kubernetes === 'after-build') {
    say(
      `Kubernetes sandbox building: kube-apiserver, kube-controller-manager ${KUBE_VERSION} and etcd from the Go module proxy, first run on this machine only (11 to 18 minutes on 2 cores, then cached in ~/.cache/revoker; [kube] lines show progress). Everything else works meanwhile; a worker for the kubernetes queue starts when it is built.`,
    );
  } else say('Kubernetes sandbox off (REVOKER_SANDBOX_KUBERNETES)');
  say(`Sign-in (OIDC)    ${identity.issuer}  (signs in whoever you name; a deployment uses its own IdP)`);
  say('');
  say('Post the sample alert (one stolen-token incident across AWS, Entra ID and Google Cloud):');
  say(`  ${curl}`);
  say(
    `${planted ? 'The sandbox attacker just' : 'The sandbox attacker has'} used alice's key (Stratus Red Team aws.persistence.iam-backdoor-user and sts-federation-token): after containing alice, the sweep reads CloudTrail and finds user ${TOUR_BACKDOOR}, its key, its console password and the federation session; each waits for you, and the watch then looks for their use.`,
  );
  say(
    'Then see what waits, and approve it:  revoker list   (`npm link` once puts revoker on PATH; `npx revoker` works here without)',
  );
  if (kubeReady) sayKubernetesTour(kubeReady, webhookUrl);
  say(
    `Topology          ${relative(ROOT, env.REVOKER_TOPOLOGY_FILE ?? SANDBOX_TOPOLOGY)}  (check every account: revoker doctor)`,
  );
  say(`To decide as a verified person:  REVOKER_PUBLIC_URL=${webhookUrl} revoker login`);
  if (!env.REVOKER_NOTIFY_URL) say('…or open an "Approve as responder@example.com" link from the [chat] lines.');
  say('');
  say('Revoker is ready. Ctrl-C stops everything.');
  if (kubernetes === 'after-build') void buildThenServeKubernetes(workerEnv, webhookUrl);
}

/** First run on a machine: builds the control plane while the rest serves, then starts a worker for its queue. */
async function buildThenServeKubernetes(workerEnv: NodeJS.ProcessEnv, webhookUrl: string): Promise<void> {
  try {
    await ensureKube();
    if (stopping) return;
    const sandbox = await startKubernetes();
    if (stopping) return;
    const tsx = [process.execPath, '--import', 'tsx'] as const;
    await startChild(
      'worker-kubernetes',
      tsx[0],
      [...tsx.slice(1), 'worker/main.ts'],
      // The metrics and probe addresses (REVOKER_METRICS_ADDRESS, REVOKER_HEALTH_ADDRESS, if set) are the first worker's.
      {
        ...workerEnv,
        ...kubernetesWorkerEnv(sandbox),
        REVOKER_QUEUES: 'kubernetes',
        REVOKER_METRICS_ADDRESS: '',
        REVOKER_HEALTH_ADDRESS: '',
      },
      /worker ready/,
    );
    say('');
    sayKubernetes(sandbox);
    sayKubernetesTour(sandbox, webhookUrl);
    say('Kubernetes is ready too (`revoker doctor` checks the cluster).');
  } catch (error) {
    if (stopping) return;
    say(
      `Kubernetes sandbox unavailable: ${error instanceof Error ? error.message : String(error)} (the other clouds are unaffected)`,
    );
  }
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const exits = children
    .filter((child) => child.exitCode === null && child.signalCode === null)
    .map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGINT');
  const timeout = sleep(4_000).then(() => children.forEach((child) => child.kill('SIGKILL')));
  await Promise.race([Promise.all(exits), timeout]);
  await Promise.all([...simulators.map((simulator) => simulator.close()), kube?.close()]);
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((error: unknown) => {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
