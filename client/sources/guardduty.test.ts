import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { guardduty, guardDutySeverity } from './guardduty.js';
import { intakeApp, sourceKit, TOKEN } from './source-test-kit.js';

const ACCOUNT = '123456789012';

interface Finding {
  id: string;
  region?: string;
  partition?: string;
  severity: number;
  title?: string;
  resource: {
    resourceType?: string;
    accessKeyDetails?: Record<string, string>;
    eksClusterDetails?: { name?: string; arn?: string };
    kubernetesDetails?: {
      kubernetesUserDetails?: { username?: string; impersonatedUser?: { username: string; groups?: string[] } };
    };
  };
  service?: { additionalInfo?: Record<string, unknown>; archived?: boolean; eventLastSeen?: string };
}

interface Event {
  region: string;
  detail: Finding;
}

const { fixture, fixtureText, toAlert, refusal, ignored } = sourceKit<Event>(guardduty);

/** A finding without its EventBridge envelope, as GetFindings returns it. */
function bare(name: string): Finding {
  return fixture(name).detail;
}

describe('guardduty source', () => {
  it('contains a long-term access key of an IAM user by itself', () => {
    assert.deepEqual(toAlert(fixture('iam-user-access-key')), {
      source: 'guardduty',
      id: '52c8a1a0e4b5f6d7c8b9a0e1f2d3c4b5',
      title: 'API ListBuckets was invoked from a known malicious IP address.',
      severity: 'medium',
      observedAt: '2026-11-23T12:41:07.000Z',
      link: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=52c8a1a0e4b5f6d7c8b9a0e1f2d3c4b5',
      principals: [{ type: 'aws.accessKey', accountId: ACCOUNT, accessKeyId: 'AKIAALICE07EXAMPLE01' }],
    } satisfies Alert);
  });

  it('contains the instance role when its credentials are used outside AWS', () => {
    const alert = toAlert(fixture('instance-credential-exfiltration'));
    assert.deepEqual(alert.principals, [{ type: 'aws.role', accountId: ACCOUNT, roleName: 'deploy' }]);
    assert.equal(alert.severity, 'high');
    assert.equal(alert.id, 'a4c6e8f0b2d4f6a8c0e2b4d6f8a0c2e4');
    assert.equal(alert.observedAt, '2026-11-23T14:01:02.000Z');
  });

  it('names the member account a delegated administrator receives a finding from, not its own', () => {
    const body = fixture('member-account-access-key');
    assert.equal((body as unknown as { account: string }).account, ACCOUNT, 'delivered in the administrator account');
    const alert = toAlert(body);
    assert.deepEqual(alert.principals, [
      { type: 'aws.accessKey', accountId: '210987654321', accessKeyId: 'AKIABOB0007EXAMPLE01' },
    ]);
    assert.equal(alert.severity, 'high');
  });

  it('refuses root credentials, saying why IAM cannot contain them', () => {
    const [issue, ...more] = refusal(fixture('root-credential-usage'));
    assert.equal(issue?.field, 'detail.resource.accessKeyDetails.userType');
    assert.match(issue?.message ?? '', /root user.*cannot contain/);
    assert.deepEqual(more, []);
  });

  it('contains the IAM user behind a temporary key, since a session key cannot be deactivated', () => {
    const body = fixture('iam-user-access-key');
    body.detail.resource.accessKeyDetails = {
      accessKeyId: 'ASIAALICE7SESSION001',
      userName: 'alice',
      userType: 'IAMUser',
    };
    assert.deepEqual(toAlert(body).principals, [{ type: 'aws.user', accountId: ACCOUNT, userName: 'alice' }]);
  });

  it('refuses a federated session, pointing at the CloudTrail event that names its user', () => {
    const body = fixture('iam-user-access-key');
    body.detail.resource.accessKeyDetails = {
      accessKeyId: 'ASIAFEDTOKEN7EXAMPLE',
      userName: 'backup-job',
      userType: 'FederatedUser',
    };
    const [issue] = refusal(body);
    assert.equal(issue?.field, 'detail.resource.accessKeyDetails.userType');
    assert.match(issue?.message ?? '', /GetFederationToken.*\/alerts\/cloudtrail/);
  });

  it('refuses identity types it cannot contain, and findings that name no credentials', () => {
    const service = fixture('iam-user-access-key');
    service.detail.resource.accessKeyDetails = { userType: 'AWSService', userName: 'ec2.amazonaws.com' };
    assert.equal(refusal(service)[0]?.field, 'detail.resource.accessKeyDetails.userType');

    const instance = fixture('iam-user-access-key');
    instance.detail.resource = { resourceType: 'Instance' };
    const [issue] = refusal(instance);
    assert.equal(issue?.field, 'detail.resource.accessKeyDetails');
    assert.match(issue?.message ?? '', /Instance finding names no IAM credentials/);
  });

  it('refuses sample findings, which name made-up credentials', () => {
    const asObject = fixture('iam-user-access-key');
    asObject.detail.service = { additionalInfo: { sample: true } };
    assert.equal(refusal(asObject)[0]?.field, 'detail.service.additionalInfo.sample');

    const asText = fixture('iam-user-access-key');
    asText.detail.service = { additionalInfo: { value: '{"sample":true}', type: 'default' } };
    assert.equal(refusal(asText)[0]?.field, 'detail.service.additionalInfo.sample');
  });

  it("reads GuardDuty's severity bands", () => {
    const bands = [1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(guardDutySeverity);
    assert.deepEqual(bands, ['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });

  it('links only findings of the commercial partition to the console', () => {
    const body = fixture('iam-user-access-key');
    body.detail.partition = 'aws-us-gov';
    body.region = 'us-gov-west-1';
    assert.equal(toAlert(body).link, undefined);
  });

  it('ignores an archived finding, before asking what it names', () => {
    const archived = fixture('root-credential-usage');
    archived.detail.service = { ...archived.detail.service, archived: true };
    assert.deepEqual(ignored(archived), {
      field: 'detail.service.archived',
      reason: 'GuardDuty finding is archived',
      alertId: archived.detail.id,
    });
    const current = fixture('iam-user-access-key');
    current.detail.service = { ...current.detail.service, archived: false };
    assert.equal(toAlert(current).id, current.detail.id);
  });

  it('maps a bare finding, without its EventBridge envelope, exactly as the wrapped one', () => {
    for (const name of ['iam-user-access-key', 'instance-credential-exfiltration', 'eks-tor-ip-caller']) {
      assert.deepEqual(toAlert(bare(name)), toAlert(fixture(name)), name);
    }
  });

  it('names the fields of a bare finding by their own paths', () => {
    assert.equal(refusal(bare('root-credential-usage'))[0]?.field, 'resource.accessKeyDetails.userType');
    const archived = bare('iam-user-access-key');
    archived.service = { archived: true };
    assert.equal(ignored(archived).field, 'service.archived');
    const result = guardduty.schema.safeParse({ ...bare('iam-user-access-key'), accountId: '1234' });
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['accountId'],
      'a bare finding is not reported as a broken envelope',
    );
  });

  it('drops the console link, never the finding, when the Region is not one', () => {
    for (const region of ['not a region', '', 'us-east-1; rm -rf /']) {
      const body = fixture('iam-user-access-key');
      body.region = region;
      body.detail.region = region;
      const alert = toAlert(body);
      assert.equal(alert.link, undefined, region);
      assert.deepEqual(alert.principals, toAlert(fixture('iam-user-access-key')).principals);
    }
    const envelopeOnly = fixture('iam-user-access-key');
    envelopeOnly.detail.region = 'nowhere';
    assert.match(toAlert(envelopeOnly).link ?? '', /^https:\/\/us-east-1\.console\.aws\.amazon\.com\//);
    const noRegion: Partial<Finding> = bare('iam-user-access-key');
    delete noRegion.region;
    assert.equal(toAlert(noRegion).link, undefined);
  });

  it('never refuses a finding for its title or a malformed eventLastSeen: the type and updatedAt stand in', () => {
    const body = fixture('iam-user-access-key');
    body.detail.title = '';
    body.detail.service = { ...body.detail.service, eventLastSeen: 'last tuesday' };
    const alert = toAlert(body);
    assert.equal(alert.title, 'UnauthorizedAccess:IAMUser/MaliciousIPCaller');
    assert.equal(alert.observedAt, '2026-11-23T12:45:12.512Z');
    const untyped: Partial<Finding> & { type?: unknown } = { ...bare('iam-user-access-key'), title: '', type: 3 };
    assert.equal(toAlert(untyped).title, 'GuardDuty finding 52c8a1a0e4b5f6d7c8b9a0e1f2d3c4b5');
  });

  it('contains the service account of an EKS finding, in the cluster named by the EKS cluster name', () => {
    assert.deepEqual(toAlert(fixture('eks-tor-ip-caller')), {
      source: 'guardduty',
      id: '7e1c9a3f5b2d4e6a8c0f1b3d5e7a9c2e',
      title: 'A Kubernetes API commonly used in Discovery tactics was invoked from a Tor exit node IP address.',
      severity: 'medium',
      observedAt: '2026-11-24T10:14:02.000Z',
      link: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=7e1c9a3f5b2d4e6a8c0f1b3d5e7a9c2e',
      principals: [{ type: 'kubernetes.serviceAccount', cluster: 'sandbox', namespace: 'payments', name: 'api' }],
    } satisfies Alert);
  });

  it('contains the calling service account, not the one it impersonated', () => {
    const body = fixture('eks-tor-ip-caller');
    body.detail.resource.kubernetesDetails = {
      kubernetesUserDetails: {
        username: 'system:serviceaccount:payments:api',
        impersonatedUser: { username: 'system:admin', groups: ['system:masters'] },
      },
    };
    assert.deepEqual(toAlert(body).principals, [
      { type: 'kubernetes.serviceAccount', cluster: 'sandbox', namespace: 'payments', name: 'api' },
    ]);
  });

  it('refuses an IAM-mapped Kubernetes user, pointing at the IAM principal in AWS', () => {
    const [issue, ...more] = refusal(fixture('eks-iam-admin-malicious-ip'));
    assert.equal(issue?.field, 'detail.resource.kubernetesDetails.kubernetesUserDetails.username');
    assert.match(issue?.message ?? '', /"kubernetes-admin" is a user, not a service account.*IAM principal in AWS/);
    assert.deepEqual(more, []);
  });

  it('refuses nodes and anonymous callers, each with what to do instead', () => {
    const as = (username: string) => {
      const body = fixture('eks-tor-ip-caller');
      body.detail.resource.kubernetesDetails = { kubernetesUserDetails: { username } };
      const [issue] = refusal(body);
      assert.equal(issue?.field, 'detail.resource.kubernetesDetails.kubernetesUserDetails.username', username);
      return issue?.message ?? '';
    };
    assert.match(as('system:node:ip-10-0-1-45.ec2.internal'), /a node's kubelet.*IAM role/);
    assert.match(as('system:anonymous'), /unauthenticated request: there is no credential to revoke/);
    assert.match(as('system:kube-controller-manager'), /control-plane identity/);
    assert.match(as('system:serviceaccount:payments'), /not system:serviceaccount:<namespace>:<name>/);
    assert.match(as(''), /without the caller's username/);
  });

  it('maps the IAM credentials of an EKS finding that has them, as for any other finding', () => {
    const body = fixture('eks-iam-admin-malicious-ip');
    body.detail.resource.accessKeyDetails = {
      accessKeyId: 'ASIAQDEPLOY7EXAMPLE1',
      principalId: 'AROAQDEPLOY7EXAMPLE1:deploy-session',
      userName: 'deploy',
      userType: 'AssumedRole',
    };
    assert.deepEqual(toAlert(body).principals, [{ type: 'aws.role', accountId: ACCOUNT, roleName: 'deploy' }]);
  });

  it('refuses an EKS finding without the cluster name or the Kubernetes user, naming the field', () => {
    const unnamed = fixture('eks-tor-ip-caller');
    unnamed.detail.resource.eksClusterDetails = { arn: 'arn:aws:eks:us-east-1:123456789012:cluster/sandbox' };
    const [issue] = refusal(unnamed);
    assert.equal(issue?.field, 'detail.resource.eksClusterDetails.name');
    assert.match(issue?.message ?? '', /kubernetes\.clusters\[\]\.id/);

    const runtime = fixture('eks-tor-ip-caller');
    delete runtime.detail.resource.kubernetesDetails;
    assert.equal(refusal(runtime)[0]?.field, 'detail.resource.kubernetesDetails.kubernetesUserDetails');
  });

  it("names the finding's own field when a cluster, namespace or name is not one Kubernetes or the topology has", () => {
    const longCluster = fixture('eks-tor-ip-caller');
    longCluster.detail.resource.eksClusterDetails = { name: `sandbox-${'x'.repeat(80)}` };
    assert.deepEqual(
      refusal(longCluster).map((i) => i.field),
      ['detail.resource.eksClusterDetails.name'],
    );
    const badNamespace = fixture('eks-tor-ip-caller');
    badNamespace.detail.resource.kubernetesDetails = {
      kubernetesUserDetails: { username: 'system:serviceaccount:Payments_Team:api' },
    };
    assert.deepEqual(
      refusal(badNamespace).map((i) => i.field),
      ['detail.resource.kubernetesDetails.kubernetesUserDetails.username'],
    );
  });

  it('refuses events that are not GuardDuty findings', () => {
    const result = guardduty.schema.safeParse({
      ...fixture('iam-user-access-key'),
      'detail-type': 'AWS API Call via CloudTrail',
    });
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['detail-type'],
    );
  });
});

describe('POST /alerts/guardduty', () => {
  it('starts the playbook for the mapped finding with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts/guardduty', fixtureText('iam-user-access-key'));
    await assertStarted(res, [toAlert(fixture('iam-user-access-key'))]);
  });

  it('answers 422 naming the field for root credentials, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const { fields } = await assertRefused(await post('/alerts/guardduty', fixtureText('root-credential-usage')), 422);
    assert.deepEqual(fields, ['detail.resource.accessKeyDetails.userType']);
  });

  it('starts the playbook for an EKS finding about a service account with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts/guardduty', fixtureText('eks-tor-ip-caller'));
    await assertStarted(res, [toAlert(fixture('eks-tor-ip-caller'))]);
  });

  it('answers 422 naming the username for an IAM-mapped Kubernetes user, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post('/alerts/guardduty', fixtureText('eks-iam-admin-malicious-ip'));
    const { fields } = await assertRefused(res, 422);
    assert.deepEqual(fields, ['detail.resource.kubernetesDetails.kubernetesUserDetails.username']);
  });

  it('starts the playbook for a bare finding with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts/guardduty', bare('iam-user-access-key'));
    await assertStarted(res, [toAlert(fixture('iam-user-access-key'))]);
  });

  it('answers 200 ignored for an archived finding, so EventBridge does not retry it, and starts nothing', async () => {
    const { post, assertIgnored } = intakeApp();
    const archived = fixture('iam-user-access-key');
    archived.detail.service = { ...archived.detail.service, archived: true };
    await assertIgnored(await post('/alerts/guardduty', archived), {
      field: 'detail.service.archived',
      reason: 'GuardDuty finding is archived',
    });
  });

  it('takes no token in the URL: EventBridge sends the Authorization header', async () => {
    const { post, assertRefused } = intakeApp();
    await assertRefused(await post(`/alerts/guardduty?token=${TOKEN}`, fixtureText('iam-user-access-key'), {}), 401);
  });
});
