// Test support for the adapter tests beside it: each keeps only what is specific to its source.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Alert } from '../../domain/alert.js';
import type { StartResult } from '../start-playbook.js';
import { createWebhookApp, type WebhookDeps } from '../webhook/app.js';
import {
  IgnoredAlert,
  UnmappableAlert,
  type Ignored,
  type MissingField,
  type SourceAdapter,
} from './source-adapter.js';

/** The one bearer token the intake app takes; a source that cannot set headers sends it as `?token=`. */
export const TOKEN = 'test-token-0123456789';

/** What the recording start answers, so a test can check that the 202 carries the start result. */
export const STARTED: StartResult = {
  workflowId: 'contain/aws/123456789012/user/alice',
  runId: 'run-1',
  uiUrl: 'http://localhost:8233/namespaces/default/workflows/contain%2Faws%2F123456789012%2Fuser%2Falice/run-1/history',
  outcome: 'started',
  merged: false,
  duplicate: false,
};

/**
 * An adapter's vendor fixtures (`fixtures/<adapter name>/<name>.json`) and its mapping as the
 * route applies it. `Fixture` is the shape the tests read and change a parsed fixture as.
 */
export function sourceKit<Fixture = Record<string, unknown>>(adapter: SourceAdapter) {
  const fixtureText = (name: string): string =>
    readFileSync(new URL(`./fixtures/${adapter.name}/${name}.json`, import.meta.url), 'utf8');
  const toAlert = (payload: unknown): Alert => adapter.toAlert(adapter.schema.parse(payload));
  const refusal = (payload: unknown): MissingField[] => {
    try {
      toAlert(payload);
    } catch (error) {
      if (error instanceof UnmappableAlert) return error.issues;
      throw error;
    }
    return assert.fail(`expected the ${adapter.label} payload to be refused, but it was mapped`);
  };
  const ignored = (payload: unknown): Ignored => {
    try {
      toAlert(payload);
    } catch (error) {
      if (error instanceof IgnoredAlert) return error.ignored;
      throw error;
    }
    return assert.fail(`expected the ${adapter.label} payload to be ignored, but it was mapped`);
  };
  return {
    /** A fixture as the vendor sends it, byte for byte. */
    fixtureText,
    /** A fresh parse of a fixture, for a test to change. */
    fixture: (name: string): Fixture => JSON.parse(fixtureText(name)) as Fixture,
    /** The payload as the route sees it: parsed by the adapter's schema, then mapped. */
    toAlert,
    /** What the adapter says is missing when it refuses the payload; fails the test if it maps. */
    refusal,
    /** Why the adapter ignores a payload its source has closed; fails the test if it maps. */
    ignored,
  };
}

/**
 * The intake app with the test token, and a start that records each alert instead of reaching
 * Temporal: the assertions below check what a request started, or that a refusal started nothing.
 */
export function intakeApp(deps: Partial<Omit<WebhookDeps, 'startPlaybook'>> = {}) {
  const started: Alert[] = [];
  const app = createWebhookApp({
    auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
    startPlaybook: (alert) => {
      started.push(alert);
      return Promise.resolve(STARTED);
    },
    ...deps,
  });
  return {
    /** The alerts the intake has started so far, in order. */
    started: started as readonly Alert[],
    /**
     * POSTs a body as JSON (a string as it is: a fixture's own bytes). `headers` are what the sender
     * adds besides Content-Type: the bearer token unless given; `{}` for a sender that sets none.
     */
    post: async (
      route: string,
      body: unknown,
      headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` },
    ): Promise<Response> =>
      app.request(route, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', ...headers },
      }),
    /** Checks the intake answered 202 with the start result, having started exactly `alerts` so far. */
    assertStarted: async (res: Response, alerts: Alert[]): Promise<void> => {
      assert.equal(res.status, 202);
      assert.deepEqual(await res.json(), STARTED);
      assert.deepEqual(started, alerts);
    },
    /** Checks the intake answered 200 `ignored` with this reason and field, and started nothing. */
    assertIgnored: async (res: Response, expected: Omit<Ignored, 'alertId'>): Promise<void> => {
      assert.equal(res.status, 200);
      const reply = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(
        { outcome: reply.outcome, reason: reply.reason, field: reply.field, merged: reply.merged },
        { outcome: 'ignored', ...expected, merged: false },
      );
      assert.equal(reply.duplicate, false);
      assert.deepEqual(started, []);
    },
    /** Checks the intake refused with `status` and started nothing; returns its reply, for the test to check why. */
    assertRefused: async (res: Response, status: number): Promise<RefusalReply> => {
      assert.equal(res.status, status);
      assert.deepEqual(started, []);
      return refusalReply(res);
    },
  };
}

/** Why the intake refused a request, and the payload fields it names (none for a refused credential). */
export interface RefusalReply {
  error: string;
  fields: string[];
}

async function refusalReply(res: Response): Promise<RefusalReply> {
  const body = (await res.json()) as { error: string; issues?: MissingField[] };
  return { error: body.error, fields: (body.issues ?? []).map((issue) => issue.field) };
}
