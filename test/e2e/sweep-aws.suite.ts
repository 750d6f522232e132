// The persistence sweep and the watch on AWS, as Stratus Red Team detonates the techniques: an attacker script with
// alice's stolen key against the sandbox (simulators/aws/stratus.ts, the real IAM and STS clients), then the playbook, then the attacker again.
import { GetUserCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlaybookStatus } from '../../domain/report.js';
import { RevokerWatch } from '../../domain/search-attributes.js';
import { backdoorUser, federationToken } from '../../simulators/aws/stratus.js';
import { ALICE, backdoorSeed, iamClient } from '../../simulators/aws/test-support.js';
import { SWEEP_TEST_POLICY } from '../../testing/settings.js';
import type { Harness } from '../harness.js';
import { ACCOUNT, alertAbout, approve, reject, result, statusOf, useSandbox, waitForStatus } from './helpers.js';

const stolenKey = () => ({ type: 'aws.accessKey' as const, accountId: ACCOUNT, accessKeyId: ALICE.accessKeyId });
const swept = (status: PlaybookStatus) => status.sweep?.state === 'swept' && status.sweep.rounds >= 1;
const watching = (status: PlaybookStatus) => status.watch?.state === 'watching';

describe('the persistence sweep and the watch (AWS, Stratus Red Team techniques)', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => {
    h = ready;
    h.aws.reset(backdoorSeed(h.seed));
  });

  it('aws.persistence.iam-backdoor-user: finds the user, its key and console password, contains them, and flags the backdoor used after the cut-off', async () => {
    // The attacker, with alice's key: a user of its own, a key for it, a console password.
    const backdoor = await backdoorUser(h.aws.endpoint, ALICE, 'backdoor');
    const handle = playbooks.handle(
      (await h.start(alertAbout([stolenKey()], 'high'), { policy: SWEEP_TEST_POLICY })).workflowId,
    );
    // The stolen key is cut at once; the sweep then reads what it did, and every finding waits for a person.
    const found = await waitForStatus(
      handle,
      (s) => swept(s) && s.actions.some((r) => r.action.id === `aws:delete-login-profile:${ACCOUNT}/backdoor`),
      30_000,
    );
    assert.equal(statusOf(found, `aws:deactivate-key:${ALICE.accessKeyId}`).status, 'done');
    assert.deepEqual(
      found.sweep?.timeline.filter((e) => e.by === ALICE.accessKeyId).map((e) => e.action),
      ['CreateUser', 'CreateAccessKey', 'CreateLoginProfile'],
      "the timeline is what the stolen key did, oldest first (the responder's own reads are not in it)",
    );
    assert.deepEqual(
      found.sweep?.findings.map((f) => [f.finding.kind, f.outcome]),
      [
        ['aws.user', 'principal'],
        ['aws.access-key', 'principal'],
        ['aws.login-profile', 'step'],
      ],
    );
    const planted = [
      `aws:deny-user-sessions:${ACCOUNT}/backdoor`,
      `aws:deactivate-key:${backdoor.accessKeyId}`,
      `aws:delete-key:${backdoor.accessKeyId}`,
      `aws:delete-login-profile:${ACCOUNT}/backdoor`,
    ];
    for (const id of planted) {
      assert.equal(statusOf(found, id).status, 'awaiting-approval', `${id} waits: a finding is not the alert's word`);
    }
    assert.ok(
      !JSON.stringify(found).includes(backdoor.password),
      'the password never reaches the status (CloudTrail hides it)',
    );

    // The responder denies the backdoor user and deletes its console password, and keeps its key for forensics.
    await approve(handle, {
      approver: 'sam@example.com',
      actions: [`aws:deny-user-sessions:${ACCOUNT}/backdoor`, `aws:delete-login-profile:${ACCOUNT}/backdoor`],
    });
    await reject(handle, {
      approver: 'sam@example.com',
      actions: 'all',
      reason: 'kept inactive for the investigation',
    });
    await waitForStatus(handle, watching, 30_000);
    // After the cut-off the attacker comes back through the backdoor: refused, and on the record.
    await assert.rejects(iamClient(h.aws, backdoor).send(new GetUserCommand({})), /AccessDenied/);

    const report = await result(handle);
    assert.equal(statusOf(report, `aws:delete-login-profile:${ACCOUNT}/backdoor`).status, 'done');
    assert.equal(statusOf(report, `aws:deny-user-sessions:${ACCOUNT}/backdoor`).status, 'done');
    assert.equal(report.watch?.state, 'used');
    assert.deepEqual(
      report.watch?.hits.map((hit) => [hit.credential.id, hit.entry.action, hit.refused]),
      [['backdoor', 'GetUser', true]],
    );
    assert.match(
      report.watch?.proof ?? '',
      /^1 use of these credentials after the cut-off \(all refused\), watched until /,
    );
    assert.equal(report.sweep?.rounds, 2, 'the use after the cut-off swept the trail again');
    const description = await handle.describe();
    assert.deepEqual(description.searchAttributes[RevokerWatch.name], ['used']);
    const loud = (h.notifications.received as { text: string }[]).filter((m) =>
      m.text.includes('tried after the cut-off'),
    );
    assert.equal(loud.length, 1, 'one notification says so');
  });

  it('aws.persistence.sts-federation-token: the federation session is found, ended with the key, and its use after the cut-off is flagged', async () => {
    const session = await federationToken(h.aws.endpoint, ALICE);
    const handle = playbooks.handle(
      (await h.start(alertAbout([stolenKey()], 'high'), { policy: SWEEP_TEST_POLICY })).workflowId,
    );
    await waitForStatus(handle, swept, 30_000);
    await reject(handle, { approver: 'sam@example.com', actions: 'all', reason: 'kept for the investigation' });
    const watched = await waitForStatus(handle, watching, 30_000);
    // The session outlives the key's deactivation; the revocation of alice's older sessions ends it.
    const finding = watched.sweep?.findings.find((f) => f.finding.kind === 'aws.session');
    assert.equal(finding?.outcome, 'known', 'the revocation of older sessions the plan had already ends it');
    assert.ok(
      watched.watch?.credentials.some((c) => c.credential.id === session.accessKeyId),
      'the federation session is watched from its revocation',
    );
    const s3 = new S3Client({
      endpoint: h.aws.endpoint,
      region: 'us-east-1',
      credentials: session,
      forcePathStyle: true,
    });
    await assert.rejects(s3.send(new ListBucketsCommand({})), { name: 'AccessDenied' });

    const report = await result(handle);
    assert.deepEqual(
      report.watch?.hits.map((hit) => [hit.credential.id, hit.entry.action, hit.refused]),
      [[session.accessKeyId, 'ListBuckets', true]],
    );
    assert.equal(report.watch?.state, 'used');
  });

  it('a quiet watch ends with the proof: no use of the credentials after the cut-off, watched until then', async () => {
    await iamClient(h.aws, ALICE).send(new GetUserCommand({}));
    const handle = playbooks.handle(
      (await h.start(alertAbout([stolenKey()], 'high'), { policy: SWEEP_TEST_POLICY })).workflowId,
    );
    await waitForStatus(handle, swept, 30_000);
    await reject(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.deepEqual(report.sweep?.findings, [], 'a read leaves nothing behind');
    assert.deepEqual(
      report.sweep?.timeline.map((e) => e.action),
      ['GetUser'],
    );
    assert.equal(report.watch?.state, 'quiet');
    const { cutOff, until } = report.watch ?? { cutOff: '', until: '' };
    assert.ok(Date.parse(until) - Date.parse(cutOff) >= 8_000 - 1, 'watched as long as watchAtMost allows');
    assert.equal(
      report.watch?.proof,
      `No use of these credentials after ${cutOff}, watched until ${until}: access key ${ALICE.accessKeyId}.`,
    );
    assert.ok(report.watch && report.watch.polls >= 3, 'polled every second');
  });

  it('keeps watching across continue-as-new: the run rolls over mid-watch and the next one finishes the proof', async () => {
    const handle = playbooks.handle(
      (
        await h.start(alertAbout([stolenKey()], 'high'), {
          policy: SWEEP_TEST_POLICY,
          settings: { continueAsNewAfterEvents: 60 },
        })
      ).workflowId,
    );
    await waitForStatus(handle, swept, 30_000);
    await reject(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.ok((report.continuedAsNew ?? 0) >= 1, 'the watch outlived a run');
    assert.equal(report.watch?.state, 'quiet');
    assert.ok((report.watch?.polls ?? 0) >= 5, 'polled on, in the next run too');
    assert.match(report.watch?.proof ?? '', /^No use of these credentials after /);
    assert.equal(report.sweep?.rounds, 1, 'the sweep is not repeated by the new run');
  });
});
