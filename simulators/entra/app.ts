import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { randomUUID } from 'node:crypto';
import { dropConnection } from '../shared/drop-connection.js';
import { aadErrorBody, tenantNotFound } from './aad-errors.js';
import { registerAdminRoutes } from './admin-routes.js';
import { instanceDiscovery, openIdConfiguration, openIdConfigurationV1 } from './discovery.js';
import type { EntraEngine, HttpResult } from './engine.js';
import { publicJwks } from './signing-key.js';

type Env = { Bindings: HttpBindings };

const send = (result: HttpResult): Response =>
  new Response(result.body, { status: result.status, headers: result.headers });

function headersOf(c: Context<Env>): Record<string, string> {
  const out: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

/** The raw request target: Graph paths keep their percent-encoding until the router decodes each segment. */
function rawTarget(c: Context<Env>): { path: string; query: string } {
  const raw = c.env.incoming.url ?? '/';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: q < 0 ? '' : raw.slice(q + 1) };
}

/** The caller's address as the logs show it (IPv4 without its IPv6-mapped prefix). */
const clientIp = (c: Context<Env>): string =>
  (c.env.incoming.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

/**
 * The HTTPS surface: /_sim/ admin routes, the login endpoints (discovery, JWKS, token) under /{tenant}/, and
 * Microsoft Graph under /v1.0/ (and its audit logs under /beta/). Every URL the simulator hands out uses the origin the client called.
 */
export function createApp(engine: EntraEngine): Hono<Env> {
  const app = new Hono<Env>();
  registerAdminRoutes(app, engine);

  const graph = async (c: Context<Env>) => {
    const { path, query } = rawTarget(c);
    const result = await engine.handleGraph({
      method: c.req.method,
      path,
      query: new URLSearchParams(query),
      headers: headersOf(c),
      bodyText: await c.req.text(),
      origin: new URL(c.req.url).origin,
      signal: c.req.raw.signal,
      clientIp: clientIp(c),
    });
    return result.dropConnection ? dropConnection(c.env) : send(result);
  };
  app.all('/v1.0/*', graph);
  // Graph's beta endpoint: only what v1.0 lacks is served there (the service principal sign-in log).
  app.all('/beta/*', graph);

  // Injected faults reach the login endpoints only when their `path` names them.
  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/_sim/') || c.req.path.startsWith('/v1.0/') || c.req.path.startsWith('/beta/')) {
      return next();
    }
    const faulted = await engine.loginFault(c.req.method, c.req.path, new URL(c.req.url).origin, c.req.raw.signal);
    if (faulted) return faulted.dropConnection ? dropConnection(c.env) : send(faulted);
    return next();
  });

  const unknownTenant = (c: Context<Env>, tenant: string) =>
    c.json(
      aadErrorBody(
        tenantNotFound(tenant),
        { traceId: randomUUID(), correlationId: randomUUID() },
        engine.now(),
        new URL(c.req.url).origin,
      ),
      400,
    );

  app.get('/common/discovery/instance', (c) =>
    c.json(instanceDiscovery(new URL(c.req.url).origin, engine.state.tenant.id)),
  );

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (c) => {
    const tenant = engine.resolveTenant(c.req.param('tenant'))?.tenant;
    if (!tenant) return unknownTenant(c, c.req.param('tenant'));
    return c.json(openIdConfiguration(new URL(c.req.url).origin, c.req.param('tenant'), tenant.id));
  });

  app.get('/:tenant/.well-known/openid-configuration', (c) => {
    const tenant = engine.resolveTenant(c.req.param('tenant'))?.tenant;
    if (!tenant) return unknownTenant(c, c.req.param('tenant'));
    return c.json(openIdConfigurationV1(new URL(c.req.url).origin, c.req.param('tenant'), tenant.id));
  });

  const jwks = (c: Context<Env>) => {
    const tenant = engine.resolveTenant(c.req.param('tenant') ?? 'common')?.tenant;
    if (!tenant) return unknownTenant(c, c.req.param('tenant') ?? '');
    return c.json(publicJwks(engine.signingKey, `https://sts.windows.net/${tenant.id}/`));
  };
  app.get('/:tenant/discovery/v2.0/keys', jwks);
  app.get('/:tenant/discovery/keys', jwks);

  app.post('/:tenant/oauth2/v2.0/token', async (c) => {
    const { query } = rawTarget(c);
    const type = c.req.header('content-type') ?? '';
    const text = await c.req.text();
    return send(
      await engine.handleToken({
        tenantSegment: c.req.param('tenant'),
        form: new URLSearchParams(type.toLowerCase().startsWith('application/x-www-form-urlencoded') ? text : ''),
        query: new URLSearchParams(query),
        headers: headersOf(c),
        origin: new URL(c.req.url).origin,
        clientIp: clientIp(c),
      }),
    );
  });

  app.notFound((c) =>
    c.json({ error: 'not_found', error_description: `No simulator route for ${c.req.method} ${c.req.path}` }, 404),
  );
  return app;
}
