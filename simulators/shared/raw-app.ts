import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { dropConnection } from './drop-connection.js';

/** A request as a JSON-over-HTTP simulator's engine takes it: the path and query exactly as received. */
export interface RawRequest {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** Aborts when the client closes the connection; a request held by a latency fault then never lands. */
  readonly signal?: AbortSignal;
}

export interface RawResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** A lost reply (an injected fault): the server resets the connection instead of answering. */
  readonly dropConnection?: boolean;
}

/**
 * The HTTP surface of a simulator whose engine answers raw requests: `/_sim/` admin routes (`registerAdmin`), and
 * everything else handed to `handle` with node's raw request path (not a normalised URL), so resource names and keys
 * arrive exactly as the client encoded them. A 204 answers with no body.
 */
export function rawRequestApp(
  handle: (request: RawRequest) => Promise<RawResult>,
  registerAdmin: (app: Hono<{ Bindings: HttpBindings }>) => void,
): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  registerAdmin(app);
  app.all('*', async (c) => {
    const incoming = c.env.incoming;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const result = await handle({
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
