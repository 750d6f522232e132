import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { z } from 'zod';
import { faultModesSchema, type FaultModes } from './fault-modes.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** What differs between simulators behind the same /_sim/ routes. */
export interface AdminControl<Fault> {
  /** Fields reported next to `ok: true` by /_sim/health, e.g. `{ accountId }`. */
  health(): Record<string, unknown>;
  /** The /_sim/state view; it must leave secrets out. */
  state(): unknown;
  mutations(): unknown;
  /** Validated inside reset, so it receives the raw JSON body (undefined when empty). */
  reset(seed: unknown): void;
  /** Errors from reset that mean a bad seed (400), not a simulator bug. */
  seedError: abstract new (...args: never[]) => Error;
  faultSchema: z.ZodType<Fault>;
  faults: { pending(): unknown[]; inject(fault: Fault): void; clear(): void; readonly modes: FaultModes };
}

async function readJson(body: Promise<string>): Promise<unknown> {
  const text = (await body).trim();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Unsigned test/dev control plane, so it only answers loopback clients. */
export function registerAdminRoutes<Fault>(app: Hono<{ Bindings: HttpBindings }>, control: AdminControl<Fault>): void {
  app.use('/_sim/*', async (c, next) => {
    const remote = c.env.incoming.socket.remoteAddress ?? '';
    if (!LOOPBACK.has(remote)) return c.json({ error: 'simulator admin routes are loopback-only' }, 403);
    await next();
  });

  app.get('/_sim/health', (c) => c.json({ ok: true, ...control.health() }));
  app.get('/_sim/state', (c) => c.json(control.state()));
  app.get('/_sim/mutations', (c) => c.json(control.mutations()));
  app.get('/_sim/faults', (c) => c.json(control.faults.pending()));
  app.get('/_sim/faults/modes', (c) => c.json(control.faults.modes.describe()));

  app.post('/_sim/reset', async (c) => {
    try {
      control.reset(await readJson(c.req.text()));
      return c.json({ ok: true });
    } catch (error) {
      if (error instanceof control.seedError || error instanceof SyntaxError) {
        return c.json({ error: error.message }, 400);
      }
      throw error;
    }
  });

  app.post('/_sim/faults', async (c) => {
    let body: unknown;
    try {
      body = await readJson(c.req.text());
    } catch (error) {
      return c.json({ error: messageOf(error) }, 400);
    }
    // A mode (propagationMs, random) has only its own keys; anything else is one fault or a list of them.
    if (typeof body === 'object' && body !== null && ('propagationMs' in body || 'random' in body)) {
      const mode = faultModesSchema.safeParse(body);
      if (!mode.success) return c.json({ error: z.prettifyError(mode.error) }, 400);
      control.faults.modes.set(mode.data);
      return c.json({ ok: true, modes: control.faults.modes.describe() });
    }
    const parsed = z.union([control.faultSchema, z.array(control.faultSchema)]).safeParse(body);
    if (!parsed.success) return c.json({ error: z.prettifyError(parsed.error) }, 400);
    const faults = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    try {
      for (const fault of faults) control.faults.inject(fault);
    } catch (error) {
      // A queue may refuse what the schema let through, e.g. Entra's invalid regular expression in `path`.
      return c.json({ error: messageOf(error) }, 400);
    }
    return c.json({ ok: true, pending: control.faults.pending().length });
  });

  app.delete('/_sim/faults', (c) => {
    control.faults.clear();
    return c.json({ ok: true });
  });
}
