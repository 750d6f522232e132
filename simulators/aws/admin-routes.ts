import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { registerAdminRoutes as registerSharedAdminRoutes } from '../shared/admin-routes.js';
import type { AwsEngine } from './engine.js';
import { awsFaultSchema } from './faults.js';
import { AwsSeedError, type AwsSeed } from './seed.js';
import { publicState } from './snapshot.js';

/** The /_sim/ control plane; its views never expose secret access keys or session tokens. */
export function registerAdminRoutes(app: Hono<{ Bindings: HttpBindings }>, engine: AwsEngine): void {
  registerSharedAdminRoutes(app, {
    health: () => ({ accountId: engine.state.accountId }),
    state: () => publicState(engine.state, engine.now()),
    mutations: () => engine.mutations.summary(),
    // Validated inside reset; the cast only names the intent.
    reset: (seed) => engine.reset(seed as AwsSeed | undefined),
    seedError: AwsSeedError,
    faultSchema: awsFaultSchema,
    faults: engine.faults,
  });
}
