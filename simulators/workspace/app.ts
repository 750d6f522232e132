import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { dropConnection } from '../shared/drop-connection.js';
import { registerAdminRoutes } from './admin-routes.js';
import type { WorkspaceEngine } from './engine.js';

/**
 * The HTTP surface: /_sim/ admin routes, and everything else handed to the engine with the raw request path
 * (node's, not a normalised URL) so user keys and client ids arrive exactly as the client encoded them.
 */
export function createApp(engine: WorkspaceEngine): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  registerAdminRoutes(app, engine);
  app.all('*', async (c) => {
    const incoming = c.env.incoming;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const result = await engine.handle({
      method: incoming.method ?? c.req.method,
      url: incoming.url ?? '/',
      headers,
      body: await c.req.text(),
      signal: c.req.raw.signal,
    });
    if (result.dropConnection) return dropConnection(c.env);
    return new Response(result.status === 204 ? null : result.body, { status: result.status, headers: result.headers });
  });
  return app;
}
