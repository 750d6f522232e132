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
    health: () => ({ accountId: engine.state.primaryId, accountIds: [...engine.state.accounts.keys()] }),
    // The primary account as before, and each member account in the same shape.
    state: () => ({
      ...publicState(engine.primary, engine.now()),
      members: [...engine.state.accounts.values()]
        .filter((a) => a.accountId !== engine.state.primaryId)
        .map((a) => publicState(a, engine.now())),
    }),
    // Every account's; each entry names its account.
    mutations: () => engine.mutationsIn('all'),
    // Validated inside restore; the cast only names the intent.
    reset: (seed) => engine.restore(seed as AwsSeed | undefined),
    seedError: AwsSeedError,
    faultSchema: awsFaultSchema,
    faults: engine.faults,
  });
}
