import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import { rawRequestApp } from '../shared/raw-app.js';
import { registerAdminRoutes } from './admin-routes.js';
import type { WorkspaceEngine } from './engine.js';

/** The HTTP surface: /_sim/ admin routes, and every other request handed to the engine as received. */
export function createApp(engine: WorkspaceEngine): Hono<{ Bindings: HttpBindings }> {
  return rawRequestApp(
    (request) => engine.handle(request),
    (app) => registerAdminRoutes(app, engine),
  );
}
