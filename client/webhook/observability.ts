// The webhook's operations: a server span per request (its trace context, when the caller sends a W3C traceparent,
// is the parent; the Temporal client interceptor carries it on into the workflow), and prom-client counters on
// GET /metrics: alerts answered by source and status, link requests by method and status, and Node's process metrics.
// /metrics shows volumes, not content; still, only a loopback listener serves it without REVOKER_METRICS_TOKEN.
import { createHash, timingSafeEqual } from 'node:crypto';
import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { ALERTS_RECEIVED, LINK_REQUESTS, labelValue } from '../../domain/metrics.js';

/** Who may read /metrics: bearer tokens (REVOKER_METRICS_TOKEN[_FILE]), or anyone reaching a loopback listener. */
export type MetricsAuth = { bearerTokens: string[] } | 'loopback-only';

export interface WebhookMetrics {
  registry: Registry;
  alerts: Counter<'source' | 'status'>;
  links: Counter<'method' | 'status'>;
  auth: MetricsAuth;
}

/** A registry of its own per app (tests make several), with Node's process metrics (CPU, memory, event loop lag). */
export function createWebhookMetrics(auth: MetricsAuth): WebhookMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(definition: { name: string; help: string; labels: readonly L[] }) =>
    new Counter<L>({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labels,
      registers: [registry],
    });
  return { registry, alerts: counter(ALERTS_RECEIVED), links: counter(LINK_REQUESTS), auth };
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * The route a request took, as a template: a link's token (a credential) and a source name a caller made up never
 * reach a span or a label.
 */
function routeOf(path: string, sources: ReadonlySet<string>): { route: string; source?: string } {
  const alerts = /^\/alerts(?:\/([^/]*))?\/?$/.exec(path);
  if (alerts) {
    const name = alerts[1] ?? 'generic';
    return { route: '/alerts/:source', source: sources.has(name) ? name : 'unknown' };
  }
  if (path.startsWith('/links/')) return { route: path === '/links/decide' ? '/links/decide' : '/links/:token' };
  if (path.startsWith('/codec/')) return { route: `/codec/${labelValue(path.slice(7))}` };
  if (['/healthz', '/readyz', '/metrics'].includes(path)) return { route: path };
  return { route: 'unknown' };
}

/** The server span of each request, and the counts of the alerts and link requests it answered. */
export function observeRequests(
  metrics: WebhookMetrics | undefined,
  sources: Iterable<string>,
  tracer = trace.getTracer('revoker-webhook'),
): MiddlewareHandler {
  const known = new Set(sources);
  return async (c, next) => {
    const { route, source } = routeOf(c.req.path, known);
    const method = c.req.method;
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    await tracer.startActiveSpan(
      `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route } },
      parent,
      async (span) => {
        try {
          await next();
        } finally {
          const status = c.res.status;
          span.setAttribute('http.response.status_code', status);
          if (source) span.setAttribute('revoker.source', source);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          if (source) metrics?.alerts.inc({ source, status: String(status) });
          else if (route.startsWith('/links/')) metrics?.links.inc({ method, status: String(status) });
        }
      },
    );
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** GET /metrics: the Prometheus text, to a bearer of a metrics token (or on a loopback listener without tokens). */
export async function metricsResponse(c: Context, metrics: WebhookMetrics): Promise<Response> {
  if (metrics.auth !== 'loopback-only') {
    const given = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const candidate = digest(given ?? '');
    const matched = metrics.auth.bearerTokens.reduce(
      (hit, token) => timingSafeEqual(digest(token), candidate) || hit,
      false,
    );
    if (!given || !matched) {
      return c.json({ error: 'GET /metrics needs Authorization: Bearer <REVOKER_METRICS_TOKEN>' }, 401, {
        'WWW-Authenticate': 'Bearer realm="revoker-metrics"',
      });
    }
  }
  return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
}
