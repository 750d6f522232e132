// The webhook process: `node --import tsx client/webhook/main.ts`. SIEMs POST alerts here; each
// becomes (or joins) a playbook on Temporal.
import type { Client } from '@temporalio/client';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Alert } from '../../domain/alert.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { identityVerifierFromEnv } from '../approval-links/identity-token.js';
import { loadDecisionSealer, startingPolicy } from '../../connect/decision-seal.js';
import { temporalLinkPlaybooks } from '../approval-links/link-playbooks.js';
import { loadLinkSecrets } from '../../connect/link-secrets.js';
import { EncryptionCodec, loadPayloadKeys } from '../../connect/payload-codec.js';
import { readSecrets } from '../../connect/secrets.js';
import { loadPolicyFile } from '../policy-file.js';
import { createIntakeBatcher } from '../intake-batcher.js';
import { startPlaybooks, type StartOptions, type StartResult } from '../start-playbook.js';
import { connectClient, temporalConnectConfig } from '../../connect/temporal-connection.js';
import { UiBaseUrl } from '../../connect/ui-url.js';
import { createWebhookApp } from './app.js';
import { isLoopback, type CodecAuth } from './codec-routes.js';
import { SOURCES } from '../sources/index.js';
import { loadSourceAuth, loadWebhookAuth } from './auth.js';
import { startWebhookServer, type WebhookServer } from './server.js';
import { createWebhookMetrics, type MetricsAuth } from './observability.js';
import { createLogger, logProcessWarnings } from '../../connect/logging.js';
import { tracingFromEnv, tracingSummary, type Tracing } from '../../connect/telemetry.js';
import type { TlsFiles } from './tls.js';

export { startWebhookServer, type WebhookServer } from './server.js';

const Env = z.object({
  REVOKER_WEBHOOK_PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'a TCP port number, 0-65535 (0 picks a free one)')
    .transform(Number)
    .pipe(z.number().max(65535, 'a TCP port number, 0-65535 (0 picks a free one)'))
    .default(8080),
  REVOKER_WEBHOOK_HOST: z.string().min(1, 'an interface address such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  REVOKER_UI_URL: UiBaseUrl,
  REVOKER_POLICY_FILE: z.string().min(1).optional(),
  REVOKER_RATE_LIMIT_BURST: z
    .string()
    .regex(/^\d+$/, 'a whole number of requests')
    .transform(Number)
    .pipe(z.number().min(1, 'at least 1'))
    .default(2000),
  REVOKER_RATE_LIMIT_PER_SECOND: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'requests per second, e.g. 50')
    .transform(Number)
    .pipe(z.number().positive('more than 0'))
    .default(50),
  // HTTPS: PEM certificate chain and key, reloaded when the files change; a client CA asks for client certificates.
  REVOKER_WEBHOOK_TLS_CERT_FILE: z.string().min(1).optional(),
  REVOKER_WEBHOOK_TLS_KEY_FILE: z.string().min(1).optional(),
  REVOKER_WEBHOOK_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  // Browser origins of the Temporal Web UI that decode through /codec (CORS); REVOKER_UI_URL's by default.
  REVOKER_CODEC_UI_ORIGINS: z
    .string()
    .transform((text) => text.split(',').map((origin) => origin.trim()))
    .pipe(z.array(z.url({ protocol: /^https?$/ })))
    .optional(),
});

/**
 * The codec endpoint's credential: REVOKER_CODEC_TOKEN[_FILE] bearer tokens; without them, only on
 * a loopback listener (the sandbox's UI has no login and sends no token), and refused otherwise.
 */
function codecAuth(env: NodeJS.ProcessEnv, host: string): CodecAuth {
  const bearerTokens = readSecrets(env, 'REVOKER_CODEC_TOKEN');
  if (bearerTokens.length) return { bearerTokens };
  if (isLoopback(host) || host === 'localhost') return 'loopback-only';
  throw new Error(
    `REVOKER_PAYLOAD_KEYS is set and the webhook listens on ${host}: the codec endpoint (/codec) needs ` +
      'REVOKER_CODEC_TOKEN or REVOKER_CODEC_TOKEN_FILE (see docs/deploy.md, "Encrypted history", on the codec endpoint)',
  );
}

/**
 * How long an intake request may wait on Temporal before answering 503 (the SIEM then retries): the
 * strictest sender, an EventBridge API destination, gives up after 5 s. One batch's calls get the same.
 */
export const START_DEADLINE_MS = 4_500;

/**
 * The webhook's start path: alerts batched per incident, each batch's calls to Temporal and each
 * caller's answer bounded by START_DEADLINE_MS (an alert queued behind a batch in flight included).
 */
export function startWithinDeadline(client: Client, options: StartOptions): (alert: Alert) => Promise<StartResult> {
  return createIntakeBatcher(
    (alerts) => client.withDeadline(Date.now() + START_DEADLINE_MS, () => startPlaybooks(client, alerts, options)),
    { answerWithinMs: START_DEADLINE_MS },
  );
}

// JSON lines, secrets' fields redacted (connect/logging.ts); not worker/logger.ts, which loads the worker's runtime.
const logger = createLogger('revoker-webhook');
logProcessWarnings(logger);

/**
 * Who may read GET /metrics: REVOKER_METRICS_TOKEN[_FILE] bearer tokens; without them anyone reaching a loopback
 * listener, and no one (metrics off) on any other.
 */
function metricsAuth(env: NodeJS.ProcessEnv, host: string): MetricsAuth | undefined {
  const bearerTokens = readSecrets(env, 'REVOKER_METRICS_TOKEN');
  if (bearerTokens.length) return { bearerTokens };
  return isLoopback(host) || host === 'localhost' ? 'loopback-only' : undefined;
}

/** The HTTPS files, both or neither; a client CA only with them. */
function tlsFiles(env: ReturnType<typeof readEnv>): TlsFiles | undefined {
  const { REVOKER_WEBHOOK_TLS_CERT_FILE: certFile, REVOKER_WEBHOOK_TLS_KEY_FILE: keyFile } = env;
  const clientCaFile = env.REVOKER_WEBHOOK_TLS_CLIENT_CA_FILE;
  if (!certFile !== !keyFile) {
    throw new Error('set both REVOKER_WEBHOOK_TLS_CERT_FILE and REVOKER_WEBHOOK_TLS_KEY_FILE (PEM), or neither');
  }
  if (clientCaFile && !certFile) {
    throw new Error('REVOKER_WEBHOOK_TLS_CLIENT_CA_FILE needs HTTPS: set REVOKER_WEBHOOK_TLS_CERT_FILE and _KEY_FILE');
  }
  return certFile && keyFile ? { certFile, keyFile, clientCaFile } : undefined;
}

function readEnv(env: NodeJS.ProcessEnv) {
  // An empty variable (a blank line in a compose file) means "use the default", as if unset.
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.')}=${JSON.stringify(env[String(issue.path[0])])}: ${issue.message}`,
  );
  throw new Error(`bad environment: ${problems.join('; ')}`);
}

async function main(): Promise<void> {
  const env = readEnv(process.env);
  const sourceAuth = loadSourceAuth(SOURCES.keys(), process.env);
  const auth = loadWebhookAuth(process.env, { sourcesHaveTheirOwn: Object.keys(sourceAuth).length > 0 });
  const linkSecrets = loadLinkSecrets(process.env);
  // The CLI's verified decisions (POST /links/decide) under trustedIdentities: oidc.
  const identity = identityVerifierFromEnv(process.env);
  // Seals what this server verified; its public key goes into each playbook's policy, which checks the seal.
  const sealer = loadDecisionSealer(process.env);
  const policy = startingPolicy(
    env.REVOKER_POLICY_FILE ? loadPolicyFile(env.REVOKER_POLICY_FILE) : DEFAULT_POLICY,
    sealer,
  );
  const payloadKeys = loadPayloadKeys(process.env);
  const codec = payloadKeys
    ? {
        codec: new EncryptionCodec(payloadKeys),
        auth: codecAuth(process.env, env.REVOKER_WEBHOOK_HOST),
        uiOrigins: env.REVOKER_CODEC_UI_ORIGINS ?? [new URL(env.REVOKER_UI_URL).origin],
      }
    : undefined;

  const metricsReaders = metricsAuth(process.env, env.REVOKER_WEBHOOK_HOST);
  // Before the client connects: its interceptor reads the tracer set up here.
  const tracing = tracingFromEnv('revoker-webhook');
  const { connectionOptions, namespace } = temporalConnectConfig();
  let client: Client;
  try {
    client = await connectClient();
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${connectionOptions.address} (namespace ${namespace}; set TEMPORAL_ADDRESS): ${(error as Error).message}`,
      { cause: error },
    );
  }

  const app = createWebhookApp({
    auth,
    sourceAuth,
    rateLimit: { burst: env.REVOKER_RATE_LIMIT_BURST, perSecond: env.REVOKER_RATE_LIMIT_PER_SECOND },
    ready: async () => {
      await client.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
    },
    logger,
    startPlaybook: startWithinDeadline(client, { policy, uiBaseUrl: env.REVOKER_UI_URL }),
    links: {
      secrets: linkSecrets,
      playbooks: temporalLinkPlaybooks(client, { ...(sealer ? { sealer } : {}), uiBaseUrl: env.REVOKER_UI_URL }),
      identity,
    },
    ...(codec ? { codec: { ...codec, namespace } } : {}),
    ...(metricsReaders ? { metrics: createWebhookMetrics(metricsReaders) } : {}),
  });
  const server = await startWebhookServer({
    port: env.REVOKER_WEBHOOK_PORT,
    host: env.REVOKER_WEBHOOK_HOST,
    app,
    tls: tlsFiles(env),
    logger,
  });
  logger.info(
    {
      temporal: connectionOptions.address,
      namespace,
      policy: env.REVOKER_POLICY_FILE ?? 'default',
      bearer: auth.bearerTokens.length,
      hmac: auth.hmacSecrets.length,
      clientCertSubjects: auth.clientCertSubjects?.length ?? 0,
      ownCredentials: Object.keys(sourceAuth),
      linkSecrets: linkSecrets.length,
      codec: codec ? (codec.auth === 'loopback-only' ? 'loopback callers' : 'bearer token') : 'off (history in clear)',
      metrics: metricsReaders
        ? `${server.url}/metrics (${metricsReaders === 'loopback-only' ? 'loopback listener' : 'bearer token'})`
        : 'off (set REVOKER_METRICS_TOKEN, or listen on loopback)',
      tracing: tracingSummary(tracing),
    },
    `webhook listening on ${server.url} (POST /alerts${linkSecrets.length ? ', one-click links at /links/' : ''})`,
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping: finishing requests in flight');
    stop(server, client, tracing).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function stop(server: WebhookServer, client: Client, tracing: Tracing): Promise<void> {
  await server.close();
  await client.connection.close();
  await tracing.shutdown();
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Runs only as the entry point, so other code (the dev stack, tests) can import startWebhookServer from here.
if (isEntryPoint()) {
  main().catch((error: unknown) => {
    logger.fatal(`webhook failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
