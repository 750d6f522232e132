import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../domain/alert.js';
import type { PlaybookSettings } from '../domain/playbook-input.js';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';
import { startPlaybook, type StartResult } from '../client/start-playbook.js';
import { temporalLinkPlaybooks } from '../client/approval-links/link-playbooks.js';
import { createWebhookApp } from '../client/webhook/app.js';
import { startWebhookServer } from '../client/webhook/server.js';
import { loadAwsSeed, startAwsSimulator, type AwsSeed, type AwsSimulator } from '../simulators/aws/index.js';
import {
  DEFAULT_SEED_PATH as ENTRA_SEED_PATH,
  defaultSandboxCaDir,
  ENTRA_SANDBOX,
  ensureSandboxCa,
  loadEntraSeed,
  startEntraSimulator,
  type EntraSeed,
  type EntraSimulator,
} from '../simulators/entra/index.js';
import {
  DEFAULT_SEED_PATH as GCP_SEED_PATH,
  GCP_SANDBOX,
  keyFileOf,
  loadGcpSeed,
  startGcpSimulator,
  type GcpSeed,
  type GcpSimulator,
} from '../simulators/gcp/index.js';
import { ensureTemporalCli } from '../scripts/ensure-temporal-cli.mjs';
import { ROOT } from '../scripts/bootstrap.mjs';
import { createAwsClients } from '../worker/aws-clients.js';
import { ALL_QUEUES, createWorkers, WORKFLOWS_PATH } from '../worker/create-workers.js';
import { createEntraClients } from '../worker/entra-clients.js';
import { createGcpClients } from '../worker/gcp-clients.js';

/** Short timings: no time-skipping server can be had here, so tests shorten the real clocks. */
export const TEST_SETTINGS: PlaybookSettings = {
  activityTimeout: '10s',
  retryInitialInterval: '50ms',
  retryMaximumInterval: '200ms',
  retryMaximumAttempts: 6,
};

/** The default policy, except that a contained playbook closes at once: most tests await its report. */
export const TEST_POLICY: Policy = { ...DEFAULT_POLICY, releaseWindow: '0s' };

export const SANDBOX_SEED_PATH = join(ROOT, 'simulators', 'aws', 'fixtures', 'sandbox.json');
export const RESPONDER = 'revoker-responder';

export interface Harness {
  env: TestWorkflowEnvironment;
  client: Client;
  /** The dev server's Temporal Web UI, e.g. `http://127.0.0.1:41234` (it may still be starting). */
  uiUrl: string;
  aws: AwsSimulator;
  seed: AwsSeed;
  gcp: GcpSimulator;
  gcpSeed: GcpSeed;
  entra: EntraSimulator;
  entraSeed: EntraSeed;
  /** The stand-in chat webhook the notify activities post to. */
  notifications: NotificationReceiver;
  /** Revoker's HTTP server (intake and one-click links) on a loopback port, and the secret its links are signed with. */
  links: { baseUrl: string; secret: string };
  start(alert: Alert, options?: { policy?: Policy; settings?: Partial<PlaybookSettings> }): Promise<StartResult>;
  close(): Promise<void>;
}

export interface NotificationReceiver {
  /** Bodies accepted (2xx), oldest first. */
  received: unknown[];
  /** Answers the next `n` posts with 500 (Infinity: until cleared). */
  failNext(n: number): void;
  /** Forgets what was received and stops failing. */
  clear(): void;
}

let shared: Promise<Harness> | undefined;

/** One dev server, simulator and worker set per test run (a node:test process); started on first use. */
export function harness(): Promise<Harness> {
  shared ??= startHarness();
  return shared;
}

async function startHarness(): Promise<Harness> {
  const seed = loadAwsSeed(SANDBOX_SEED_PATH);
  const responderKey = seed.users.find((u) => u.userName === RESPONDER)?.accessKeys[0];
  if (!responderKey) throw new Error(`the sandbox seed has no ${RESPONDER} key`);
  // The worker's AWS credentials come from its environment, as in production.
  process.env.AWS_ACCESS_KEY_ID = responderKey.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = responderKey.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const gcpSeed = loadGcpSeed(GCP_SEED_PATH);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'revoker-gcp-')), 'responder.json');
  writeFileSync(keyFile, JSON.stringify(keyFileOf(gcpSeed, GCP_SANDBOX.responder.keyName)), { mode: 0o600 });
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
  const entraSeed = loadEntraSeed(ENTRA_SEED_PATH);
  process.env.AZURE_TENANT_ID = ENTRA_SANDBOX.tenantId;
  process.env.AZURE_CLIENT_ID = ENTRA_SANDBOX.responder.appId;
  process.env.AZURE_CLIENT_SECRET = ENTRA_SANDBOX.responder.secret;
  if (!process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error(
      'The Entra simulator serves HTTPS with a sandbox CA that Node trusts only from process start: run the tests with `npm test`, or set NODE_EXTRA_CA_CERTS to the path `node --import tsx simulators/entra/main.ts --ensure-ca` prints.',
    );
  }
  const tls = await ensureSandboxCa(defaultSandboxCaDir());
  const uiPort = await freePort();
  const uiUrl = `http://127.0.0.1:${uiPort}`;

  const [env, aws, gcp, entra, workflowBundle, receiver] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: ensureTemporalCli() },
        searchAttributes: SEARCH_ATTRIBUTES,
        // The Web UI too, for the browser test of approving from "Send a Signal".
        ip: '127.0.0.1',
        ui: true,
        uiPort,
        extraArgs: ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'],
      },
    }),
    startAwsSimulator({ seed }),
    startGcpSimulator({ seed: gcpSeed }),
    startEntraSimulator({ seed: entraSeed, tls: { certPath: tls.certPath, keyPath: tls.keyPath } }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger }),
    startNotificationReceiver(),
  ]);
  const linkSecret = randomBytes(32).toString('base64url');
  const server = await startWebhookServer({
    port: 0,
    host: '127.0.0.1',
    app: createWebhookApp({
      auth: { bearerTokens: [randomBytes(24).toString('base64url')], hmacSecrets: [] },
      startPlaybook: () => Promise.reject(new Error('the harness starts playbooks itself')),
      links: { secrets: [linkSecret], playbooks: temporalLinkPlaybooks(env.client) },
    }),
  });
  const workers: Worker[] = await createWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    queues: ALL_QUEUES,
    aws: createAwsClients({ endpoint: aws.endpoint }),
    gcp: createGcpClients({ rootUrl: gcp.rootUrl }),
    entra: createEntraClients({
      tenantId: ENTRA_SANDBOX.tenantId,
      authorityHost: entra.authorityHost,
      graphEndpoint: entra.graphEndpoint,
    }),
    notify: { url: receiver.url, uiBaseUrl: uiUrl, links: { baseUrl: server.url, secrets: [linkSecret] } },
    workflowBundle,
  });
  const running = Promise.all(workers.map((worker) => worker.run()));

  return {
    env,
    client: env.client,
    uiUrl,
    aws,
    seed,
    gcp,
    gcpSeed,
    entra,
    entraSeed,
    notifications: receiver.notifications,
    links: { baseUrl: server.url, secret: linkSecret },
    start: (alert, options = {}) =>
      startPlaybook(env.client, alert, {
        policy: options.policy ?? TEST_POLICY,
        settings: { ...TEST_SETTINGS, ...options.settings },
        uiBaseUrl: 'http://localhost:8233',
      }),
    async close() {
      workers.forEach((worker) => worker.shutdown());
      await running;
      await server.close();
      await Promise.all([env.teardown(), aws.close(), gcp.close(), entra.close(), receiver.close()]);
    },
  };
}

/** A tiny Slack-like incoming webhook on a loopback port that records what it accepts and fails on request. */
async function startNotificationReceiver(): Promise<{
  url: string;
  notifications: NotificationReceiver;
  close(): Promise<void>;
}> {
  let failures = 0;
  const notifications: NotificationReceiver = {
    received: [],
    failNext: (n) => void (failures = n),
    clear: () => {
      notifications.received.splice(0);
      failures = 0;
    },
  };
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        response.writeHead(500).end('injected failure');
        return;
      }
      try {
        notifications.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200).end('ok');
      } catch {
        response.writeHead(400).end('invalid_payload');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/test-secret`,
    notifications,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on now (the OS's pick), for the dev server's UI, which needs an explicit one. */
function freePort(): Promise<number> {
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

const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log: () => {},
};
