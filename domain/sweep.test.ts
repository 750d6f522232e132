import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsFindingOf, sweepOf, type AwsTrailEvent } from './sweep.js';

const ACCOUNT = '123456789012';
let next = 0;
const event = (eventName: string, extra: Partial<AwsTrailEvent> = {}): AwsTrailEvent => ({
  eventId: `e-${(next += 1)}`,
  eventName,
  eventTime: new Date(Date.UTC(2026, 11, 4, 10, 0, next)).toISOString(),
  accessKeyId: 'AKIAALICE07EXAMPLE01',
  username: 'alice',
  readOnly: false,
  ...extra,
});

describe('the AWS sweep: what persists', () => {
  it('names what each persistence call left behind', () => {
    const cases: [AwsTrailEvent, unknown][] = [
      [
        event('CreateAccessKey', { responseElements: { accessKey: { accessKeyId: 'AKIANEW', userName: 'backdoor' } } }),
        ['aws.access-key', 'backdoor', 'AKIANEW'],
      ],
      [event('CreateUser', { requestParameters: { userName: 'backdoor' } }), ['aws.user', 'backdoor', undefined]],
      [
        event('CreateLoginProfile', { requestParameters: { userName: 'backdoor', password: 'HIDDEN' } }),
        ['aws.login-profile', 'backdoor', undefined],
      ],
      // No user named: IAM acted on the caller.
      [
        event('CreateAccessKey', { responseElements: { accessKey: { accessKeyId: 'AKIASELF' } } }),
        ['aws.access-key', 'alice', 'AKIASELF'],
      ],
      [
        event('AssumeRole', {
          requestParameters: { roleArn: 'arn:aws:iam::123456789012:role/deploy' },
          responseElements: { credentials: { accessKeyId: 'ASIAROLE' } },
        }),
        ['aws.session', undefined, 'ASIAROLE'],
      ],
      [
        event('GetSessionToken', { responseElements: { credentials: { accessKeyId: 'ASIASESS' } } }),
        ['aws.session', 'alice', 'ASIASESS'],
      ],
      [
        event('PutUserPolicy', { requestParameters: { userName: 'alice', policyName: 'admin' } }),
        ['aws.grant', 'alice', undefined],
      ],
    ];
    for (const [given, expected] of cases) {
      const found = awsFindingOf(given, ACCOUNT);
      assert.deepEqual([found?.kind, found?.userName, found?.accessKeyId], expected, given.eventName);
    }
    assert.equal(
      awsFindingOf(event('AssumeRole', { requestParameters: { roleArn: 'arn:aws:iam::1:role/deploy' } }), ACCOUNT)
        ?.roleName,
      'deploy',
    );
  });

  it('finds nothing in a refused call, a read, or a call that changes nothing that lasts', () => {
    const refused = event('CreateUser', { errorCode: 'AccessDenied', requestParameters: { userName: 'x' } });
    assert.equal(awsFindingOf(refused, ACCOUNT), undefined);
    assert.equal(awsFindingOf(event('GetUser', { readOnly: true }), ACCOUNT), undefined);
    assert.equal(awsFindingOf(event('ListBuckets'), ACCOUNT), undefined);
    // A key event without the key's id (a truncated record) finds nothing rather than a key of no id.
    assert.equal(awsFindingOf(event('CreateAccessKey', { responseElements: null }), ACCOUNT), undefined);
  });

  it('keeps each event once, oldest first, and each finding once', () => {
    const created = event('CreateUser', { requestParameters: { userName: 'backdoor' } });
    const read = event('GetUser', { readOnly: true });
    const again = event('CreateUser', { requestParameters: { userName: 'backdoor' }, accessKeyId: 'AKIAOTHER' });
    const sweep = sweepOf(ACCOUNT, [again, read, created, created], 2);
    assert.deepEqual(
      sweep.timeline.map((e) => e.eventId),
      [created.eventId, read.eventId, again.eventId],
    );
    assert.deepEqual(
      sweep.findings.map((f) => [f.kind, f.userName, f.from.eventId]),
      [['aws.user', 'backdoor', created.eventId]],
    );
    assert.equal(sweep.lookups, 2);
  });
});
