import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { registerAdminRoutes as registerSharedAdminRoutes } from '../shared/admin-routes.js';
import type { EntraEngine } from './engine.js';
import { entraFaultSchema } from './faults.js';
import { EntraSeedError, type EntraSeed } from './seed.js';
import { publicState } from './snapshot.js';

/** The /_sim/ control plane; its views never expose client secrets, refresh tokens or keys. */
export function registerAdminRoutes(app: Hono<{ Bindings: HttpBindings }>, engine: EntraEngine): void {
  registerSharedAdminRoutes(app, {
    health: () => ({ tenantId: engine.state.tenant.id, tenantIds: engine.tenantIds }),
    state: () => publicState(engine.state, engine.now()),
    mutations: () => engine.mutations.summary(),
    // Validated inside reset; the cast only names the intent.
    reset: (seed) => engine.reset(seed as EntraSeed | undefined),
    seedError: EntraSeedError,
    faultSchema: entraFaultSchema,
    faults: engine.faults,
  });
}
