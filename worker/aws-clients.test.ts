import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAwsActivities, singleAccount } from '../activities/aws.js';
import { ProviderUnavailableError } from '../activities/errors.js';
import { ACCOUNT, RESPONDER } from '../simulators/aws/test-support.js';
import { startSilentServer, type SilentServer } from '../simulators/shared/silent-server.js';
import { createAwsClients } from './aws-clients.js';

const KEY = { accountId: ACCOUNT, userName: 'alice', accessKeyId: 'AKIAALICE07EXAMPLE01' };

/** An AWS endpoint that never answers must not hold an activity (and its retries) hostage. */
describe('AWS client time limits', () => {
  let hung: SilentServer;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(async () => {
    hung = await startSilentServer();
    // The worker's clients take credentials from the default chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = RESPONDER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RESPONDER.secretAccessKey;
  });
  after(async () => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await hung.close();
  });

  const clients = (requestTimeoutMs: number) => createAwsClients({ endpoint: hung.url, requestTimeoutMs });

  it('fails a step whose call hangs past the request timeout, retryably and naming AWS and the timeout', async () => {
    const aws = createAwsActivities(singleAccount(clients(300)));
    const began = Date.now();
    await assert.rejects(aws.deactivateAwsAccessKey(KEY), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'ProviderUnavailableError');
      assert.equal(error.nonRetryable, false);
      assert.match(error.message, /^AWS STS did not answer GetCallerIdentity within 300 ms; retrying/);
      return true;
    });
    assert.ok(Date.now() - began < 2_000, `ended in ${Date.now() - began} ms`);
  });

  it('names the IAM operation that hung', async () => {
    const { iam } = clients(300);
    await assert.rejects(iam.send(new GetUserCommand({ UserName: 'alice' })), (error: unknown) => {
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      assert.match(error.message, /^AWS IAM did not answer GetUser within 300 ms; retrying/);
      return true;
    });
  });

  it('aborts the call when Temporal cancels the activity, and reports the attempt cancelled', async () => {
    const aws = createAwsActivities(singleAccount(clients(60_000)));
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const before = hung.requests().abandoned;
    const began = Date.now();
    const call = env.run(() => aws.deactivateAwsAccessKey(KEY));
    setTimeout(() => env.cancel('CANCELLED'), 200);
    await assert.rejects(call, CancelledFailure);
    assert.ok(Date.now() - began < 2_000, `ended in ${Date.now() - began} ms`);
    await hung.abandoned(before + 1); // the socket was closed, not left hanging behind the activity
  });
});
