import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { EntraSimulator } from '../simulators/entra/index.js';
import { ADELE, RESPONDER, secretCredential, startTrustedSimulator } from '../simulators/entra/test-support.js';
import { ProviderUnavailableError } from './errors.js';
import { createGraphClient, graphPermissionFor } from './graph-client.js';
import { z } from 'zod';

const User = z.looseObject({ id: z.string() });

/** A Graph that never answers must not hold an activity (and its retries) hostage. */
describe('Graph client time limits', () => {
  let sim: EntraSimulator;
  before(async () => (sim = await startTrustedSimulator()));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const graph = (requestTimeoutMs: number) =>
    createGraphClient({
      credential: secretCredential(sim, RESPONDER.appId, RESPONDER.secret),
      baseUrl: sim.graphEndpoint,
      requestTimeoutMs,
    });

  it('fails a call slower than its timeout, retryably and saying so', async () => {
    const client = graph(300);
    await client.get(`/users/${ADELE.id}`, User); // the token is cached: only the Graph call below is slow
    sim.injectFault({ path: '/users', method: 'GET', latencyMs: 5_000 });
    const began = Date.now();
    await assert.rejects(client.get(`/users/${ADELE.id}`, User), (error: unknown) => {
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      assert.match(error.message, /did not answer GET \/users\/.* within 300 ms/);
      return true;
    });
    assert.ok(Date.now() - began < 2_000, `ended in ${Date.now() - began} ms`);
  });

  it('aborts the call when Temporal cancels the activity', async () => {
    const client = graph(60_000);
    await client.get(`/users/${ADELE.id}`, User);
    sim.injectFault({ path: '/users', method: 'GET', latencyMs: 5_000 });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const began = Date.now();
    const call = env.run(() => client.get(`/users/${ADELE.id}`, User));
    setTimeout(() => env.cancel('TIMED_OUT'), 200);
    await assert.rejects(call, ProviderUnavailableError);
    assert.ok(Date.now() - began < 2_000, `ended in ${Date.now() - began} ms`);
  });
});

describe('graphPermissionFor', () => {
  it('names the least-privileged permission of each call Revoker makes', () => {
    assert.equal(graphPermissionFor('POST', '/users/u1/revokeSignInSessions'), 'User.RevokeSessions.All');
    assert.match(graphPermissionFor('PATCH', '/users/u1'), /User\.EnableDisableAccount\.All/);
    assert.equal(graphPermissionFor('GET', 'https://graph.microsoft.com/v1.0/users/u1?$select=id'), 'User.Read.All');
    assert.equal(graphPermissionFor('POST', '/servicePrincipals/s1/removePassword'), 'Application.ReadWrite.All');
    assert.equal(graphPermissionFor('DELETE', '/oauth2PermissionGrants/g1'), 'DelegatedPermissionGrant.ReadWrite.All');
    assert.equal(
      graphPermissionFor('DELETE', '/servicePrincipals/s1/appRoleAssignments/a1'),
      'AppRoleAssignment.ReadWrite.All',
    );
    assert.equal(graphPermissionFor('POST', '/applications/a1/removePassword'), 'Application.ReadWrite.All');
    assert.equal(
      graphPermissionFor('DELETE', '/applications/a1/federatedIdentityCredentials/f1'),
      'Application.ReadWrite.All',
    );
    assert.equal(graphPermissionFor('GET', '/auditLogs/directoryAudits?$top=1'), 'AuditLog.Read.All');
    assert.equal(
      graphPermissionFor('GET', "https://graph.microsoft.com/beta/auditLogs/signIns?$filter=appId eq 'x'"),
      'AuditLog.Read.All',
    );
  });
});
