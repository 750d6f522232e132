import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { registerAdminRoutes as registerSharedAdminRoutes } from '../shared/admin-routes.js';
import type { WorkspaceEngine } from './engine.js';
import { workspaceFaultSchema } from './faults.js';
import { WorkspaceSeedError, type WorkspaceSeed } from './seed.js';
import { publicState } from './snapshot.js';

/**
 * The /_sim/ control plane. Its state view leaves out every secret the state holds: the apps' access tokens and
 * the tokens the endpoint issued (private keys never enter the state at all).
 */
export function registerAdminRoutes(app: Hono<{ Bindings: HttpBindings }>, engine: WorkspaceEngine): void {
  registerSharedAdminRoutes(app, {
    health: () => ({ domain: engine.state.domain, customerId: engine.state.customerId }),
    state: () => publicState(engine.state),
    mutations: () => engine.mutations.summary(),
    // Validated inside reset (stateFromSeed); the cast only names the intent.
    reset: (seed) => engine.reset(seed as WorkspaceSeed | undefined),
    seedError: WorkspaceSeedError,
    faultSchema: workspaceFaultSchema,
    faults: engine.faults,
  });
}
