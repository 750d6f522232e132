import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { pino, type Logger } from 'pino';
import type { Alert } from '../../domain/alert.js';
import { SOURCES, type Ignored, type SourceAdapter } from '../sources/index.js';
import type { MissingField } from '../sources/source-adapter.js';
import { mapIntake } from '../sources/map-payload.js';
import { createLinkRoutes, linksNotConfigured, type LinkRoutesDeps } from '../approval-links/link-routes.js';
import type { StartResult } from '../start-playbook.js';
import { playbookWorkflowId } from '../../domain/playbook-input.js';
import { createCodecRoutes, type CodecRoutesDeps } from './codec-routes.js';
import { authenticate, hasCredentials, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookAuth } from './auth.js';
import { HttpError } from './http-error.js';
import { TokenBucket, type RateLimit } from './rate-limit.js';
import { metricsResponse, observeRequests, type WebhookMetrics } from './observability.js';

export interface WebhookDeps {
  /** Credentials every source accepts unless it has its own in `sourceAuth`. */
  auth: WebhookAuth;
  /** Per source (by route name): replaces `auth` for that source, so each SIEM holds its own secret. */
  sourceAuth?: Partial<Record<string, WebhookAuth>>;
  /** Requests per source and credential: a burst, then a steady rate; beyond it 429 with Retry-After. */
  rateLimit?: RateLimit;
  /** The native sources by route name; all of client/sources unless a test gives others. */
  sources?: ReadonlyMap<string, SourceAdapter>;
  /** Readiness: resolves when the server can hand alerts to Temporal, rejects with why not. */
  ready?: () => Promise<void>;
  /** Starts or merges the playbook; production passes `startPlaybook(client, alert, …)`. */
  startPlaybook: (alert: Alert) => Promise<StartResult>;
  bodyLimitBytes?: number;
  logger?: Logger;
  /** One-click approval links (`/links/:token`): their secrets and the playbooks they decide in. */
  links?: Omit<LinkRoutesDeps, 'logger'>;
  /** The Temporal codec endpoint (`/codec/encode`, `/codec/decode`) for the Web UI: client/webhook/codec-routes.ts. */
  codec?: Omit<CodecRoutesDeps, 'logger'>;
  /** Counters on GET /metrics (client/webhook/observability.ts); none: /metrics answers 404. */
  metrics?: WebhookMetrics | undefined;
}

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
/**
 * The reply to an alert its source has closed (resolved, dismissed, archived, a false positive):
 * the same `outcome`, `merged` and `duplicate` as a started alert's, no workflow, and why. A 2xx, so
 * the SIEM does not send it again.
 */
export interface IgnoredReply extends Ignored {
  outcome: 'ignored';
  merged: false;
  duplicate: false;
}

/** The SIEM keeps the alert and sends it again; Temporal restarts and failovers take about this long. */
const RETRY_AFTER_SECONDS = 30;

/**
 * The alert intake. Each step refuses before the next runs, cheapest and least trusting first:
 * size ▶ credentials ▶ content type ▶ JSON ▶ schema ▶ closed at the source (200 ignored) ▶ rate limit ▶
 * start. Nothing is parsed, logged or started for a request that has not authenticated.
 */
export function createWebhookApp(deps: WebhookDeps): Hono {
  const anyCredential = [deps.auth, ...Object.values(deps.sourceAuth ?? {})].some(
    (auth) => auth && hasCredentials(auth),
  );
  if (!anyCredential) {
    throw new Error(
      'the webhook needs at least one bearer token, HMAC secret or client certificate subject (see loadWebhookAuth)',
    );
  }
  const logger = deps.logger ?? pino({ level: 'silent' });
  const maxSize = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = new Hono();
  // First: the span covers every step below, and the counts see every answer, refusals included.
  app.use('*', observeRequests(deps.metrics, (deps.sources ?? SOURCES).keys()));

  app.get('/metrics', (c) =>
    deps.metrics
      ? metricsResponse(c, deps.metrics)
      : c.json({ error: 'metrics are off here: set REVOKER_METRICS_TOKEN, or listen on a loopback address' }, 404),
  );
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    try {
      await deps.ready?.();
      return c.json({ ready: true });
    } catch (error) {
      logger.warn({ err: error }, 'not ready');
      return c.json({ ready: false, error: 'cannot reach Temporal' }, 503, {
        'Retry-After': String(RETRY_AFTER_SECONDS),
      });
    }
  });

  const openIncidents = recentIncidents();
  const limiters = new Map<string, TokenBucket>();
  // One bucket per route and credential (a configured token, secret or certificate subject: a
  // bounded set), so a noisy or hostile sender spends only its own budget.
  const limiterFor = (source: string, identity: string) => {
    if (!deps.rateLimit) return undefined;
    const key = `${source}\n${identity}`;
    let bucket = limiters.get(key);
    if (!bucket) limiters.set(key, (bucket = new TokenBucket(deps.rateLimit)));
    return bucket;
  };

  app.post(
    '/alerts/:source?',
    bodyLimit({
      maxSize,
      onError: () => {
        throw new HttpError(413, `the body is larger than the ${maxSize}-byte limit`);
      },
    }),
    async (c) => {
      const name = c.req.param('source') ?? 'generic';
      const sources = deps.sources ?? SOURCES;
      const source = sources.get(name);
      if (!source) {
        throw new HttpError(
          404,
          `no source named "${name.slice(0, 64)}": POST to /alerts/<source>, one of ${[...sources.keys()].join(', ')}`,
        );
      }
      let body: Uint8Array | undefined;
      const rawBody = async () => (body ??= await readBody(c));

      const credentials = deps.sourceAuth?.[source.name] ?? deps.auth;
      const auth = await authenticate(credentials, {
        header: (header) => c.req.header(header),
        rawBody,
        ...(source.urlToken ? { urlToken: c.req.query('token') } : {}),
        clientCertSubject: verifiedClientCertSubject(c),
      });
      if (!auth.ok) {
        logger.warn({ reason: auth.reason }, 'refused an unauthenticated request');
        throw new HttpError(401, `not authenticated: ${auth.reason}`, {
          headers: { 'WWW-Authenticate': challenges(deps.auth) },
        });
      }

      const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (mediaType !== 'application/json') {
        throw new HttpError(415, `Content-Type must be application/json, not ${mediaType ?? 'missing'}`);
      }

      const alert = toAlert(source, parseJson(await rawBody()), logger);
      if ('reason' in alert) {
        // Before the rate limit: an ignored alert starts nothing, so it spends nothing.
        logger.info({ source: source.name, ...alert, auth: auth.method }, 'ignored an alert its source has closed');
        const reply: IgnoredReply = { outcome: 'ignored', ...alert, merged: false, duplicate: false };
        return c.json(reply, 200);
      }
      // The limit guards against starting too many incidents; an alert for an incident already open
      // only joins it (batched into one Update), so a storm about one stolen key is never throttled away.
      const wait = openIncidents.has(playbookWorkflowId(alert.principals))
        ? undefined
        : limiterFor(source.name, auth.identity)?.take();
      if (wait !== undefined) {
        throw new HttpError(429, `too many ${source.label} alerts: retry after ${wait} s`, {
          headers: { 'Retry-After': String(wait) },
        });
      }
      const about = { source: alert.source, alertId: alert.id, severity: alert.severity, auth: auth.method };
      let started: StartResult;
      try {
        started = await deps.startPlaybook(alert);
      } catch (error) {
        logger.error({ ...about, err: error }, 'could not start the playbook; the sender will retry');
        throw new HttpError(
          503,
          'could not hand the alert to Temporal in time: retry later (a resend of an alert that did land is answered duplicate)',
          {
            headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
          },
        );
      }
      const { workflowId, runId, uiUrl, outcome, merged, duplicate } = started;
      // Under its own id too: alerts naming the principals as this one did go to the incident it joined.
      openIncidents.remember(workflowId);
      openIncidents.remember(playbookWorkflowId(alert.principals));
      logger.info(
        { ...about, workflowId, runId },
        duplicate
          ? 'duplicate alert: already in its playbook'
          : merged
            ? 'alert merged into its playbook'
            : 'playbook started',
      );
      return c.json({ workflowId, runId, uiUrl, outcome, merged, duplicate }, 202);
    },
  );

  app.all('/alerts/:source?', (c) => c.json({ error: 'POST alerts here' }, 405, { Allow: 'POST' }));

  // No bearer token here: the signed link is the credential.
  app.route('/links', deps.links?.secrets.length ? createLinkRoutes({ ...deps.links, logger }) : linksNotConfigured());

  if (deps.codec) app.route('/codec', createCodecRoutes({ ...deps.codec, logger }));

  app.notFound((c) =>
    c.json(
      {
        error: `no route ${c.req.method} ${c.req.path.slice(0, 200)}: POST /alerts takes alerts, GET /healthz checks health`,
      },
      404,
    ),
  );

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return c.json({ error: error.message, ...error.options.details }, error.status, error.options.headers);
    }
    if (error instanceof HTTPException) return c.json({ error: error.message || 'request refused' }, error.status);
    logger.error({ err: error }, 'unexpected error in the webhook');
    return c.json({ error: 'internal error' }, 500);
  });

  return app;
}

/** Incidents this server handed an alert to lately: further alerts for them are merges, not new starts. */
function recentIncidents(ttlMs = 10 * 60_000, max = 10_000) {
  const until = new Map<string, number>();
  return {
    has(workflowId: string): boolean {
      const expires = until.get(workflowId);
      if (expires === undefined) return false;
      if (expires > Date.now()) return true;
      until.delete(workflowId);
      return false;
    },
    remember(workflowId: string): void {
      until.delete(workflowId);
      until.set(workflowId, Date.now() + ttlMs);
      // Oldest first: a Map iterates in insertion order.
      if (until.size > max) until.delete(until.keys().next().value as string);
    },
  };
}

/** The source's payload → a validated alert or why its source closed it, or 422 naming each wrong or missing field. */
function toAlert(source: SourceAdapter, json: unknown, logger: Logger): Alert | Ignored {
  const mapping = mapIntake(source, json);
  if (mapping.ok) return mapping.alert;
  if (mapping.stage === 'ignored') return mapping.ignored;
  const message = {
    payload: `not a ${source.label} alert`,
    unmappable: `cannot contain anything from this ${source.label} alert`,
    mapped: `this ${source.label} alert maps to an invalid alert`,
  }[mapping.stage];
  const capped = capIssues(mapping.issues);
  logger.warn({ source: source.name, ...capped }, message);
  throw new HttpError(422, message, { details: capped });
}

/** A 422 names at most this many issues: a crafted body with thousands of unknown keys gets a short reply. */
export const MAX_REPLY_ISSUES = 20;
/** A field path or message longer than this is cut: an unknown key can be the whole body long. */
const MAX_ISSUE_TEXT = 200;

/**
 * The first MAX_REPLY_ISSUES issues, each field and message cut to MAX_ISSUE_TEXT characters, and
 * how many there were: the reply and its log line stay a few KB whatever the body.
 */
export function capIssues(issues: readonly MissingField[]): { issues: MissingField[]; issueCount: number } {
  const cut = (text: string) => (text.length > MAX_ISSUE_TEXT ? `${text.slice(0, MAX_ISSUE_TEXT)}…` : text);
  return {
    issues: issues
      .slice(0, MAX_REPLY_ISSUES)
      .map(({ field, message }) => ({ field: cut(field), message: cut(message) })),
    issueCount: issues.length,
  };
}

async function readBody(c: Context): Promise<Uint8Array> {
  try {
    return new Uint8Array(await c.req.arrayBuffer());
  } catch {
    throw new HttpError(400, 'could not read the request body');
  }
}

function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'body is not valid JSON: it is not UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The CN of the client certificate the TLS handshake verified against the client CA (mutual TLS),
 * read from the Node socket behind the request; nothing on plain HTTP or in-process requests.
 */
function verifiedClientCertSubject(c: Context): string | undefined {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}

/** RFC 9110 challenges for the schemes this instance accepts. */
function challenges(auth: WebhookAuth): string {
  return [
    ...(auth.bearerTokens.length ? ['Bearer realm="revoker"'] : []),
    ...(auth.hmacSecrets.length
      ? [`Revoker-HMAC-SHA256 realm="revoker", headers="${TIMESTAMP_HEADER} ${SIGNATURE_HEADER}"`]
      : []),
  ].join(', ');
}
