import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { anyProject, createGcpActivities } from '../activities/gcp.js';
import { GCP_SANDBOX } from '../simulators/gcp/sandbox.js';
import { keyFile } from '../simulators/gcp/test-support.js';
import { startSilentServer, type SilentServer } from '../simulators/shared/silent-server.js';
import { createGcpClients } from './gcp-clients.js';

const { projectId, compromised } = GCP_SANDBOX;
const KEY = { projectId, email: compromised.email, keyName: compromised.stolenKeyName };

/** A Google IAM API that never answers must not hold an activity (and its retries) hostage. */
describe('Google Cloud client time limits', () => {
  let hung: SilentServer;
  let dir: string;
  const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  before(async () => {
    hung = await startSilentServer();
    // Application Default Credentials from a key file, as the worker runs; it signs its own tokens (no network).
    dir = mkdtempSync(join(tmpdir(), 'gcp-timeouts-'));
    const path = join(dir, 'responder.json');
    writeFileSync(path, JSON.stringify(keyFile(GCP_SANDBOX.responder.keyName)), { mode: 0o600 });
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
  });
  after(async () => {
    if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
    rmSync(dir, { recursive: true, force: true });
    await hung.close();
  });

  const activities = (requestTimeoutMs: number) =>
    createGcpActivities(anyProject(createGcpClients({ rootUrl: `${hung.url}/`, requestTimeoutMs })));

  it('fails a step whose call hangs past the request timeout, retryably and naming Google IAM and the timeout', async () => {
    const gcp = activities(300);
    const began = Date.now();
    await assert.rejects(gcp.disableGcpKey(KEY), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'ProviderUnavailableError');
      assert.equal(error.nonRetryable, false);
      assert.match(
        error.message,
        /^Google IAM did not answer GET \/v1\/projects\/acme-prod\/.* within 300 ms; retrying/,
      );
      return true;
    });
    assert.ok(Date.now() - began < 2_000, `ended in ${Date.now() - began} ms`);
  });

  it('aborts the call when Temporal cancels the activity, and reports the attempt cancelled', async () => {
    const gcp = activities(60_000);
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const before = hung.requests().abandoned;
    const began = Date.now();
    const call = env.run(() => gcp.disableGcpKey(KEY));
    setTimeout(() => env.cancel('CANCELLED'), 200);
    await assert.rejects(call, CancelledFailure);
    assert.ok(Date.now() - began < 2_000, `ended in ${Date.now() - began} ms`);
    await hung.abandoned(before + 1); // the socket was closed, not left hanging behind the activity
  });
});
