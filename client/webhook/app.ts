import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { pino, type Logger } from 'pino';
import { Alert } from '../../domain/alert.js';
import { createLinkRoutes, linksNotConfigured, type LinkRoutesDeps } from '../approval-links/link-routes.js';
import type { StartResult } from '../start-playbook.js';
import { authenticate, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookAuth } from './auth.js';
import { HttpError } from './http-error.js';
import { describeIssues } from './validation.js';

export interface WebhookDeps {
  auth: WebhookAuth;
  /** Starts or merges the playbook; production passes `startPlaybook(client, alert, …)`. */
  startPlaybook: (alert: Alert) => Promise<StartResult>;
  bodyLimitBytes?: number;
  logger?: Logger;
  /** One-click approval links (`/links/:token`): their secrets and the playbooks they decide in. */
  links?: Omit<LinkRoutesDeps, 'logger'>;
}

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
/** The SIEM keeps the alert and sends it again; Temporal restarts and failovers take about this long. */
const RETRY_AFTER_SECONDS = 30;

/**
 * The alert intake. Each step refuses before the next runs, cheapest and least trusting first:
 * size ▶ credentials ▶ content type ▶ JSON ▶ schema ▶ start. Nothing is parsed, logged or
 * started for a request that has not authenticated.
 */
export function createWebhookApp(deps: WebhookDeps): Hono {
  if (deps.auth.bearerTokens.length === 0 && deps.auth.hmacSecrets.length === 0) {
    throw new Error('the webhook needs at least one bearer token or HMAC secret (see loadWebhookAuth)');
  }
  const logger = deps.logger ?? pino({ level: 'silent' });
  const maxSize = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.post(
    '/alerts',
    bodyLimit({
      maxSize,
      onError: () => {
        throw new HttpError(413, `the body is larger than the ${maxSize}-byte limit`);
      },
    }),
    async (c) => {
      let body: Uint8Array | undefined;
      const rawBody = async () => (body ??= await readBody(c));

      const auth = await authenticate(deps.auth, { header: (name) => c.req.header(name), rawBody });
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

      const json = parseJson(await rawBody());
      const parsed = Alert.safeParse(json);
      if (!parsed.success) {
        const issues = describeIssues(parsed.error).map(({ field, message }) => ({
          field: field || '(body)',
          message,
        }));
        logger.warn({ issues }, 'refused an invalid alert');
        throw new HttpError(422, 'invalid alert', { details: { issues } });
      }

      const alert = parsed.data;
      const about = { source: alert.source, alertId: alert.id, severity: alert.severity, auth: auth.method };
      let started: StartResult;
      try {
        started = await deps.startPlaybook(alert);
      } catch (error) {
        logger.error({ ...about, err: error }, 'could not start the playbook; the sender will retry');
        throw new HttpError(503, 'could not hand the alert to Temporal: retry later (the alert was not accepted)', {
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        });
      }
      const { workflowId, runId, uiUrl, merged, duplicate } = started;
      logger.info(
        { ...about, workflowId, runId },
        duplicate
          ? 'duplicate alert: already in its playbook'
          : merged
            ? 'alert merged into its playbook'
            : 'playbook started',
      );
      return c.json({ workflowId, runId, uiUrl, merged, duplicate }, 202);
    },
  );

  app.all('/alerts', (c) => c.json({ error: 'POST alerts here' }, 405, { Allow: 'POST' }));

  // No bearer token here: the signed link is the credential.
  app.route('/links', deps.links?.secrets.length ? createLinkRoutes({ ...deps.links, logger }) : linksNotConfigured());

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

/** RFC 9110 challenges for the schemes this instance accepts. */
function challenges(auth: WebhookAuth): string {
  return [
    ...(auth.bearerTokens.length ? ['Bearer realm="revoker"'] : []),
    ...(auth.hmacSecrets.length
      ? [`Revoker-HMAC-SHA256 realm="revoker", headers="${TIMESTAMP_HEADER} ${SIGNATURE_HEADER}"`]
      : []),
  ].join(', ');
}
