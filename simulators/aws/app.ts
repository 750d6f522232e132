import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { registerAdminRoutes } from './admin-routes.js';
import { dropConnection } from '../shared/drop-connection.js';
import type { AwsEngine } from './engine.js';

function flattenHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/**
 * The HTTP surface: /_sim/ admin routes, and everything else handed to the engine byte-for-byte — SigV4 needs
 * the raw path, query string and body exactly as the client signed them, so they come from node's request.
 */
export function createApp(engine: AwsEngine): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  registerAdminRoutes(app, engine);
  app.all('*', async (c) => {
    const incoming = c.env.incoming;
    const rawUrl = incoming.url ?? '/';
    const q = rawUrl.indexOf('?');
    const result = await engine.handle({
      method: incoming.method ?? c.req.method,
      path: q < 0 ? rawUrl : rawUrl.slice(0, q),
      query: q < 0 ? '' : rawUrl.slice(q + 1),
      headers: flattenHeaders(incoming.headers),
      body: new Uint8Array(await c.req.arrayBuffer()),
      signal: c.req.raw.signal,
      ...(incoming.socket.remoteAddress === undefined ? {} : { sourceIp: incoming.socket.remoteAddress }),
    });
    if (result.dropConnection) return dropConnection(c.env);
    return new Response(c.req.method === 'HEAD' ? null : result.body, {
      status: result.status,
      headers: result.headers,
    });
  });
  return app;
}
