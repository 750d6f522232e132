import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { GetFederationTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SEED_PATH, loadAwsSeed, startAwsSimulator, type AwsSeed, type AwsSimulator } from './index.js';
import {
  ALICE,
  awsError,
  backdoorSeed,
  iamClient,
  RESPONDER,
  sessionCredentials,
  stsClient,
  type TestCredentials,
} from './test-support.js';

/** The parts of a CloudTrail record these tests read. */
interface TrailRecord {
  userIdentity: { type: string; arn: string; accessKeyId: string };
  requestParameters: Record<string, unknown> | null;
  responseElements: {
    accessKey?: { accessKeyId?: string; secretAccessKey?: string };
    credentials?: { accessKeyId?: string; sessionToken?: string; secretAccessKey?: string };
    federatedUser?: { arn?: string };
  } | null;
  errorCode?: string;
}

const trailClient = (sim: AwsSimulator, credentials: TestCredentials, maxAttempts = 1) =>
  new CloudTrailClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts });

describe('CloudTrail event history (LookupEvents)', () => {
  let sim: AwsSimulator;
  let seed: AwsSeed;
  before(async () => {
    seed = backdoorSeed(loadAwsSeed(DEFAULT_SEED_PATH));
    sim = await startAwsSimulator({ seed });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset(seed));

  /** Every page of a lookup, a request at a time (the SDK retries the throttled ones). */
  async function lookupAll(input: LookupEventsCommandInput) {
    const trail = trailClient(sim, RESPONDER, 8);
    const events = [];
    let pages = 0;
    let NextToken: string | undefined;
    do {
      const page = await trail.send(new LookupEventsCommand({ ...input, ...(NextToken ? { NextToken } : {}) }));
      events.push(...(page.Events ?? []));
      pages += 1;
      NextToken = page.NextToken;
    } while (NextToken);
    return { events, pages };
  }

  it("finds what a stolen key did by its access key id: the backdoor user and key, newest first, with CloudTrail's record", async () => {
    const iam = iamClient(sim, ALICE);
    await iam.send(new GetUserCommand({}));
    await iam.send(new CreateUserCommand({ UserName: 'backdoor' }));
    const created = await iam.send(new CreateAccessKeyCommand({ UserName: 'backdoor' }));
    const { events } = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: ALICE.accessKeyId }],
    });
    assert.deepEqual(
      events.map((e) => [e.EventName, e.EventSource, e.ReadOnly, e.Username]),
      [
        ['CreateAccessKey', 'iam.amazonaws.com', 'false', 'alice'],
        ['CreateUser', 'iam.amazonaws.com', 'false', 'alice'],
        ['GetUser', 'iam.amazonaws.com', 'true', 'alice'],
      ],
    );
    const [keyEvent] = events;
    assert.ok(keyEvent?.EventTime instanceof Date);
    assert.deepEqual(keyEvent?.Resources, [
      { ResourceType: 'AWS::IAM::User', ResourceName: 'backdoor' },
      { ResourceType: 'AWS::IAM::AccessKey', ResourceName: created.AccessKey?.AccessKeyId },
    ]);
    const record = JSON.parse(keyEvent?.CloudTrailEvent ?? '{}') as TrailRecord;
    assert.equal(record.userIdentity.type, 'IAMUser');
    assert.equal(record.userIdentity.arn, 'arn:aws:iam::123456789012:user/alice');
    assert.equal(record.userIdentity.accessKeyId, ALICE.accessKeyId);
    assert.deepEqual(record.requestParameters, { userName: 'backdoor' });
    assert.equal(record.responseElements?.accessKey?.accessKeyId, created.AccessKey?.AccessKeyId);
    assert.equal(record.responseElements?.accessKey?.secretAccessKey, undefined, 'CloudTrail never logs the secret');
    assert.ok(!keyEvent?.CloudTrailEvent?.includes(created.AccessKey?.SecretAccessKey ?? '-'), 'nor anywhere');

    // By resource: who created the key, whatever credential did it.
    const byResource = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'backdoor' }],
    });
    assert.deepEqual(
      byResource.events.map((e) => e.EventName),
      ['CreateAccessKey', 'CreateUser'],
    );
  });

  it('records refusals with their error, and a federation token with the session it minted (no session token)', async () => {
    await assert.rejects(iamClient(sim, RESPONDER).send(new CreateUserCommand({ UserName: 'x' })), /AccessDenied/);
    const federated = await stsClient(sim, ALICE).send(
      new GetFederationTokenCommand({
        Name: 'persist',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
      }),
    );
    const session = sessionCredentials(federated.Credentials);
    const { events } = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
    });
    const refused = JSON.parse(events[0]?.CloudTrailEvent ?? '{}') as Record<string, unknown>;
    assert.equal(refused['errorCode'], 'AccessDenied');
    assert.equal(refused['responseElements'], null);
    const minted = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetFederationToken' }],
    });
    const record = JSON.parse(minted.events[0]?.CloudTrailEvent ?? '{}') as TrailRecord;
    assert.equal(record.responseElements?.credentials?.accessKeyId, session.accessKeyId);
    assert.equal(record.responseElements?.credentials?.sessionToken, undefined);
    assert.equal(record.responseElements?.credentials?.secretAccessKey, undefined);
    assert.equal(record.responseElements?.federatedUser?.arn, 'arn:aws:sts::123456789012:federated-user/persist');
  });

  it('pages by MaxResults with a token bound to its query, and refuses what CloudTrail refuses', async () => {
    const iam = iamClient(sim, ALICE);
    for (let i = 0; i < 7; i += 1) await iam.send(new GetUserCommand({}));
    const by = { LookupAttributes: [{ AttributeKey: 'AccessKeyId' as const, AttributeValue: ALICE.accessKeyId }] };
    const { events, pages } = await lookupAll({ ...by, MaxResults: 3 });
    assert.deepEqual([events.length, pages], [7, 3]);
    assert.equal(new Set(events.map((e) => e.EventId)).size, 7, 'no event twice across pages');

    const trail = trailClient(sim, RESPONDER, 8);
    const first = await trail.send(new LookupEventsCommand({ ...by, MaxResults: 3 }));
    const other = { LookupAttributes: [{ AttributeKey: 'Username' as const, AttributeValue: 'alice' }] };
    const refusals: [LookupEventsCommandInput, string][] = [
      [{ ...other, NextToken: first.NextToken }, 'InvalidNextTokenException'],
      [
        {
          LookupAttributes: [
            { AttributeKey: 'Username', AttributeValue: 'alice' },
            { AttributeKey: 'EventName', AttributeValue: 'GetUser' },
          ],
        },
        'InvalidLookupAttributesException',
      ],
      [{ MaxResults: 51 }, 'InvalidMaxResultsException'],
      [{ StartTime: new Date(), EndTime: new Date(Date.now() - 60_000) }, 'InvalidTimeRangeException'],
    ];
    for (const [input, code] of refusals) {
      await sleep(1_000); // under the rate limit, so each refusal is the one asked about
      await assert.rejects(trailClient(sim, RESPONDER).send(new LookupEventsCommand(input)), awsError(code, 400));
    }
  });

  it('answers ThrottlingException past two lookups a second, AccessDeniedException without cloudtrail:LookupEvents', async () => {
    const trail = trailClient(sim, RESPONDER);
    const answers = await Promise.allSettled(
      Array.from({ length: 5 }, () => trail.send(new LookupEventsCommand({ MaxResults: 1 }))),
    );
    const throttled = answers.filter((a) => a.status === 'rejected');
    assert.equal(throttled.length, 3);
    assert.match(String(((throttled[0] as PromiseRejectedResult).reason as Error).name), /^ThrottlingException$/);
    await assert.rejects(
      trailClient(sim, ALICE).send(new LookupEventsCommand({})),
      awsError('AccessDeniedException', 400, /cloudtrail:LookupEvents/),
    );
  });

  it('shows an event only once it is delivered (CloudTrail: typically within 5 minutes)', async () => {
    sim.setTrailDelay(400);
    await iamClient(sim, ALICE).send(new CreateUserCommand({ UserName: 'late' }));
    const by = { LookupAttributes: [{ AttributeKey: 'ResourceName' as const, AttributeValue: 'late' }] };
    assert.equal((await lookupAll(by)).events.length, 0, 'not yet delivered');
    await sleep(500);
    assert.equal((await lookupAll(by)).events.length, 1);
    assert.equal(sim.trailEvents().filter((e) => e.eventName === 'CreateUser').length, 1);
    sim.setTrailDelay(0);
  });
});
