import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import type { DecisionRequest } from '../../domain/decision.js';
import { CliError } from './cli-error.js';
import type { PlaybookGateway } from './commands.js';
import { withIdentityDecisions } from './identity-gateway.js';

const REQUEST: DecisionRequest = { approver: 'os-user', actions: ['aws:delete-key:AKIA1'], reason: 'confirmed' };
const TEMPORAL: PlaybookGateway = {
  status: () => Promise.reject(new Error('not used')),
  decide: () => Promise.reject(new Error('the identity path never decides through Temporal directly')),
  list: () => Promise.reject(new Error('not used')),
};

/** Revoker's server as far as the CLI sees it: answers `answer` and records what it was sent. */
function server(answer: { status: number; body: unknown }) {
  const seen: { authorization?: string; body: unknown }[] = [];
  const app = new Hono().post('/links/decide', async (c) => {
    seen.push({ authorization: c.req.header('authorization'), body: await c.req.json() });
    return c.json(answer.body as object, answer.status as 200);
  });
  const fetch = ((url: string, init?: RequestInit) => app.request(url, init)) as typeof globalThis.fetch;
  return { seen, fetch };
}

describe('CLI decisions with an identity token', () => {
  it("posts the decision with the token to Revoker's server, leaving the approver to the token", async () => {
    const decision = { verdict: 'approve', approver: 'kim@example.com', actions: ['aws:delete-key:AKIA1'], at: 'now' };
    const { seen, fetch } = server({ status: 200, body: { decision } });
    const gateway = withIdentityDecisions(TEMPORAL, { serverUrl: 'https://revoker.example.com/', token: 'jwt', fetch });
    assert.deepEqual(await gateway.decide('contain/x', 'approve', REQUEST), decision);
    assert.deepEqual(seen, [
      {
        authorization: 'Bearer jwt',
        body: { workflowId: 'contain/x', verdict: 'approve', actions: ['aws:delete-key:AKIA1'], reason: 'confirmed' },
      },
    ]);
    const named = server({ status: 200, body: { decision } });
    await withIdentityDecisions(TEMPORAL, {
      serverUrl: 'http://r',
      token: 't',
      named: 'kim',
      fetch: named.fetch,
    }).decide('contain/x', 'approve', REQUEST);
    assert.equal(
      (named.seen[0]?.body as { approver?: string }).approver,
      'kim',
      '--as goes along, for the server to check',
    );
  });

  it('turns refusals into CLI errors with their exit codes', async () => {
    const cases: [number, RegExp, number][] = [
      [401, /REVOKER_IDENTITY_TOKEN was not accepted: nope/, 2],
      [403, /REVOKER_IDENTITY_TOKEN was not accepted: nope/, 2],
      [409, /the playbook refused the approve: nope/, 1],
      [410, /nope/, 1],
      [503, /did not decide: nope/, 2],
    ];
    for (const [status, message, exitCode] of cases) {
      const { fetch } = server({ status, body: { error: 'nope' } });
      const gateway = withIdentityDecisions(TEMPORAL, { serverUrl: 'http://r', token: 'secret-jwt', fetch });
      await assert.rejects(gateway.decide('contain/x', 'approve', REQUEST), (error: unknown) => {
        assert.ok(error instanceof CliError);
        assert.match(error.message, message);
        assert.equal(error.exitCode, exitCode);
        assert.ok(!error.message.includes('secret-jwt'));
        return true;
      });
    }
  });
});
