import { Sha256 } from '@aws-crypto/sha256-js';
import {
  GetUserCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
  DeleteAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAwsSimulator, type AwsSimulator } from './index.js';
import {
  ALICE,
  ALICE_SECOND,
  awsError,
  iamClient,
  RESPONDER,
  s3Client,
  sessionCredentials,
  stsClient,
  type TestCredentials,
} from './test-support.js';

/** Signs an IAM Query request the way the SDK does, so tests can send it (or a tampered copy) with fetch. */
async function signedIamRequest(sim: AwsSimulator, credentials: TestCredentials, body: string) {
  const url = new URL(sim.endpoint);
  const signer = new SignatureV4({ service: 'iam', region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return signed.headers;
}

describe('SigV4 authentication', () => {
  let sim: AwsSimulator;
  let clock = Date.now();
  before(async () => {
    sim = await startAwsSimulator({ now: () => new Date(clock) });
  });
  after(() => sim.close());
  beforeEach(() => {
    clock = Date.now();
    sim.reset();
  });

  it('rejects a request signed with the wrong secret on every service', async () => {
    const forged = { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'x'.repeat(40) };
    await assert.rejects(
      iamClient(sim, forged).send(new GetUserCommand({})),
      awsError(
        'SignatureDoesNotMatch',
        403,
        /^The request signature we calculated does not match the signature you provided/,
      ),
    );
    await assert.rejects(
      stsClient(sim, forged).send(new GetCallerIdentityCommand({})),
      awsError('SignatureDoesNotMatch', 403),
    );
    await assert.rejects(
      s3Client(sim, forged).send(new ListBucketsCommand({})),
      awsError('SignatureDoesNotMatch', 403),
    );
    // And the genuine secret still works.
    const who = await stsClient(sim, ALICE).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:iam::123456789012:user/alice');
  });

  it('covers the body: a tampered payload no longer matches its signature', async () => {
    const body = 'Action=GetUser&Version=2010-05-08&UserName=alice';
    const headers = await signedIamRequest(sim, RESPONDER, body);
    const genuine = await fetch(sim.endpoint, { method: 'POST', headers, body });
    assert.equal(genuine.status, 200);
    const xml = await genuine.text();
    assert.match(
      xml,
      /^<GetUserResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><GetUserResult><User>/,
    );
    assert.match(xml, /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetUserResponse>/);
    assert.match(genuine.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);

    const tampered = await fetch(sim.endpoint, { method: 'POST', headers, body: body.replace('alice', 'bobby') });
    assert.equal(tampered.status, 403);
    const error = await tampered.text();
    assert.match(
      error,
      /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code><Message>/,
    );
    assert.match(error, /<\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/);
  });

  it('refuses unsigned requests with MissingAuthenticationToken', async () => {
    const response = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  });

  it('treats Inactive and deleted keys as invalid client tokens (S3: InvalidAccessKeyId)', async () => {
    const iam = iamClient(sim, RESPONDER);
    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Inactive' }),
    );
    await assert.rejects(
      stsClient(sim, ALICE).send(new GetCallerIdentityCommand({})),
      awsError('InvalidClientTokenId', 403, /^The security token included in the request is invalid\.$/),
    );
    await assert.rejects(
      iamClient(sim, ALICE).send(new ListAccessKeysCommand({})),
      awsError('InvalidClientTokenId', 403),
    );
    await assert.rejects(s3Client(sim, ALICE).send(new ListBucketsCommand({})), awsError('InvalidAccessKeyId', 403));

    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE.accessKeyId, Status: 'Active' }));
    await stsClient(sim, ALICE).send(new GetCallerIdentityCommand({}));

    await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE_SECOND.accessKeyId }));
    await assert.rejects(
      stsClient(sim, ALICE_SECOND).send(new GetCallerIdentityCommand({})),
      awsError('InvalidClientTokenId', 403),
    );
    await assert.rejects(
      stsClient(sim, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: ALICE.secretAccessKey }).send(
        new GetCallerIdentityCommand({}),
      ),
      awsError('InvalidClientTokenId', 403),
    );
  });

  it('requires the matching session token for temporary credentials', async () => {
    const session = sessionCredentials((await stsClient(sim, ALICE).send(new GetSessionTokenCommand({}))).Credentials);
    assert.match(session.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    const who = await stsClient(sim, session).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:iam::123456789012:user/alice');

    const withoutToken = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey };
    await assert.rejects(
      stsClient(sim, withoutToken).send(new GetCallerIdentityCommand({})),
      awsError('InvalidClientTokenId', 403),
    );
    await assert.rejects(
      stsClient(sim, { ...session, sessionToken: `${session.sessionToken ?? ''}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
      awsError('InvalidClientTokenId', 403),
    );
    await assert.rejects(
      s3Client(sim, { ...session, sessionToken: 'bogus' }).send(new ListBucketsCommand({})),
      awsError('InvalidToken', 400),
    );
  });

  it('answers ExpiredToken once temporary credentials pass their Expiration', async () => {
    const issued = await stsClient(sim, ALICE).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const session = sessionCredentials(issued.Credentials);
    assert.equal(issued.Credentials?.Expiration?.getTime(), Math.floor((clock + 900_000) / 1000) * 1000);
    await stsClient(sim, session).send(new GetCallerIdentityCommand({}));
    await s3Client(sim, session).send(new ListBucketsCommand({}));

    clock += 901_000;
    await assert.rejects(
      stsClient(sim, session).send(new GetCallerIdentityCommand({})),
      awsError('ExpiredToken', 400, /^The security token included in the request is expired$/),
    );
    await assert.rejects(
      s3Client(sim, session).send(new ListBucketsCommand({})),
      awsError('ExpiredToken', 400, /^The provided token has expired\.$/),
    );
  });
});
