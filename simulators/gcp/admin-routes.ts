import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { registerAdminRoutes as registerSharedAdminRoutes } from '../shared/admin-routes.js';
import type { GcpEngine } from './engine.js';
import { gcpFaultSchema } from './faults.js';
import { GcpSeedError, type GcpSeed } from './seed.js';
import { publicOrganisation } from './snapshot.js';

/**
 * The /_sim/ control plane. Its state view holds public keys only: private halves exist in the seed's key files,
 * never in the simulator's state.
 */
export function registerAdminRoutes(app: Hono<{ Bindings: HttpBindings }>, engine: GcpEngine): void {
  registerSharedAdminRoutes(app, {
    health: () => ({
      projectId: engine.state.primaryId,
      projectIds: engine.projectIds,
      ...(engine.state.hierarchy ? { organization: engine.state.hierarchy.organization.name } : {}),
    }),
    // The primary project as before, every other project in the same shape under `members`, and the hierarchy.
    state: () => publicOrganisation(engine.state),
    // Every project's; each entry names its project.
    mutations: () => engine.mutationsIn('all'),
    // Validated inside restore; the cast only names the intent.
    reset: (seed) => engine.restore(seed as GcpSeed | undefined),
    seedError: GcpSeedError,
    faultSchema: gcpFaultSchema,
    faults: engine.faults,
  });
}
