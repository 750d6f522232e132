import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { EntraEngine } from './engine.js';
import { entraFaultSchema } from './faults.js';
import { EntraSeedError } from './seed.js';
import { publicState } from './snapshot.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

async function readJson(body: Promise<string>): Promise<unknown> {
  const text = (await body).trim();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * Test/dev control plane under /_sim/. Unauthenticated, so it only answers loopback clients, and it never exposes
 * client secrets, refresh tokens or keys.
 */
export function registerAdminRoutes(app: Hono<{ Bindings: HttpBindings }>, engine: EntraEngine): void {
  app.use('/_sim/*', async (c, next) => {
    const remote = c.env.incoming.socket.remoteAddress ?? '';
    if (!LOOPBACK.has(remote)) return c.json({ error: 'simulator admin routes are loopback-only' }, 403);
    await next();
  });

  app.get('/_sim/health', (c) => c.json({ ok: true, tenantId: engine.state.tenant.id }));
  app.get('/_sim/state', (c) => c.json(publicState(engine.state, engine.now())));
  app.get('/_sim/mutations', (c) => c.json(engine.mutations.summary()));
  app.get('/_sim/faults', (c) => c.json(engine.faults.pending()));

  app.post('/_sim/reset', async (c) => {
    try {
      const seed = await readJson(c.req.text());
      // Validated inside reset; the cast only names the intent.
      engine.reset(seed as Parameters<EntraEngine['reset']>[0]);
      return c.json({ ok: true });
    } catch (error) {
      if (error instanceof EntraSeedError || error instanceof SyntaxError) return c.json({ error: error.message }, 400);
      throw error;
    }
  });

  app.post('/_sim/faults', async (c) => {
    let parsed;
    try {
      parsed = z.union([entraFaultSchema, z.array(entraFaultSchema)]).safeParse(await readJson(c.req.text()));
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
    if (!parsed.success) return c.json({ error: z.prettifyError(parsed.error) }, 400);
    const faults = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    try {
      for (const fault of faults) engine.faults.inject(fault);
    } catch (error) {
      // e.g. an invalid regular expression in `path`.
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
    return c.json({ ok: true, pending: engine.faults.pending().length });
  });

  app.delete('/_sim/faults', (c) => {
    engine.faults.clear();
    return c.json({ ok: true });
  });
}
