import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert.js';
import { generic } from './generic.js';
import { mapIntake } from './map-payload.js';
import { intakeApp, sourceKit } from './source-test-kit.js';

interface AuditUser {
  username?: unknown;
  uid?: string;
  groups?: string[];
  extra?: Record<string, unknown>;
}

interface GenericFixture {
  principals: { type: string; cluster?: string; user?: AuditUser }[];
}

const { fixture, fixtureText, toAlert, refusal } = sourceKit<GenericFixture>(generic);

const ALERT = {
  source: 'splunk',
  id: 'k8s-audit-1',
  title: 'Service account token used from outside the cluster',
  severity: 'high',
  observedAt: '2026-11-24T10:14:02Z',
} as const;

/** An alert whose one principal is an audit event's user, as a SIEM pastes it. */
function withAuditUser(user: AuditUser, cluster = 'sandbox') {
  return { ...ALERT, principals: [{ type: 'kubernetes.auditUser', cluster, user }] };
}

const POD_NAME = 'authentication.kubernetes.io/pod-name';
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

describe('generic source: a Kubernetes audit event user', () => {
  it('is the Pod-bound token it used, with its JTI, when the event names the Pod', () => {
    assert.deepEqual(toAlert(fixture('kubernetes-audit-user')), {
      source: 'splunk',
      id: 'k8s-audit-5f1c2e9a-0b7d-4c3e-9a1f-2d8e6b4c7a10',
      title: 'Service account token of payments/api used from outside the cluster to list kube-system secrets',
      severity: 'high',
      observedAt: '2026-11-24T10:14:02.118Z',
      principals: [
        {
          type: 'kubernetes.token',
          cluster: 'sandbox',
          namespace: 'payments',
          serviceAccount: 'api',
          pod: 'api-0',
          jti: '8c1d5e2a-7f3b-4a96-b0e4-1d2c3b4a5f67',
        },
      ],
    } satisfies Alert);
  });

  it('is the service account when a legacy Secret token was used, which the event names by nothing but the account', () => {
    const alert = toAlert(fixture('kubernetes-audit-legacy-token'));
    assert.deepEqual(alert.principals, [
      { type: 'kubernetes.serviceAccount', cluster: 'sandbox', namespace: 'payments', name: 'api' },
    ]);
    assert.equal(alert.severity, 'critical');
  });

  it('is the token by its JTI when it is bound to no Pod (kubectl create token), ignoring a certificate id', () => {
    const minted = toAlert(
      withAuditUser({ username: 'system:serviceaccount:payments:api', extra: { [CREDENTIAL_ID]: ['JTI=0f6c1e1a'] } }),
    );
    assert.deepEqual(minted.principals, [
      { type: 'kubernetes.token', cluster: 'sandbox', namespace: 'payments', serviceAccount: 'api', jti: '0f6c1e1a' },
    ]);
    const certificate = toAlert(
      withAuditUser({
        username: 'system:serviceaccount:payments:api',
        extra: { [CREDENTIAL_ID]: ['X509SHA256=ce89c456'] },
      }),
    );
    assert.equal(certificate.principals[0]?.type, 'kubernetes.serviceAccount');
  });

  it('refuses a human user, a node and an anonymous request, naming the username', () => {
    const cases: [string, RegExp][] = [
      ['alice@acme.example', /"alice@acme\.example" is a user, not a service account.*identity provider/],
      ['kubernetes-admin', /is a user, not a service account/],
      ['system:node:ip-10-0-1-45.ec2.internal', /a node's kubelet.*Cordon, drain and replace the node/],
      ['system:anonymous', /unauthenticated request/],
    ];
    for (const [username, message] of cases) {
      const [issue, ...more] = refusal(withAuditUser({ username, groups: ['system:authenticated'] }));
      assert.equal(issue?.field, 'principals.0.user.username', username);
      assert.match(issue?.message ?? '', message);
      assert.deepEqual(more, []);
    }
  });

  it('names each refused entry, and keeps ordinary principals beside it as they are', () => {
    const body = {
      ...ALERT,
      principals: [
        { type: 'aws.user', accountId: '123456789012', userName: 'alice' },
        { type: 'kubernetes.auditUser', cluster: 'sandbox', user: { username: 'system:serviceaccount:payments:api' } },
      ],
    };
    assert.deepEqual(toAlert(body).principals, [
      { type: 'aws.user', accountId: '123456789012', userName: 'alice' },
      { type: 'kubernetes.serviceAccount', cluster: 'sandbox', namespace: 'payments', name: 'api' },
    ]);
    body.principals.push({ type: 'kubernetes.auditUser', cluster: 'sandbox', user: { username: 'bob' } });
    body.principals.push({ type: 'kubernetes.auditUser', cluster: 'sandbox', user: { username: 'system:anonymous' } });
    assert.deepEqual(
      refusal(body).map((issue) => issue.field),
      ['principals.2.user.username', 'principals.3.user.username'],
    );
  });

  it('names the field of a cluster, namespace or Pod name that is not one', () => {
    const cluster = refusal(withAuditUser({ username: 'system:serviceaccount:payments:api' }, 'not a cluster!'));
    assert.deepEqual(
      cluster.map((i) => i.field),
      ['principals.0.cluster'],
    );
    const namespace = refusal(withAuditUser({ username: 'system:serviceaccount:Payments_Team:api' }));
    assert.deepEqual(
      namespace.map((i) => i.field),
      ['principals.0.user.username'],
    );
    const pod = refusal(
      withAuditUser({ username: 'system:serviceaccount:payments:api', extra: { [POD_NAME]: ['api-0; rm -rf /'] } }),
    );
    assert.deepEqual(
      pod.map((i) => i.field),
      [`principals.0.user.extra["${POD_NAME}"]`],
    );
  });

  it('refuses hostile values as a malformed payload, naming the field: long strings, non-arrays, several values', () => {
    const fields = (user: AuditUser, cluster?: string) => {
      const intake = mapIntake(generic, withAuditUser(user, cluster));
      assert.equal(intake.ok, false);
      return intake.ok || intake.stage === 'ignored' ? [] : intake.issues.map((i) => `${intake.stage} ${i.field}`);
    };
    const sa = 'system:serviceaccount:payments:api';
    assert.deepEqual(fields({ username: 'x'.repeat(5000) }), ['payload principals.0.user.username']);
    assert.deepEqual(fields({ username: 42 }), ['payload principals.0.user.username']);
    assert.deepEqual(fields({ username: '' }), ['payload principals.0.user.username']);
    assert.deepEqual(fields({ username: sa }, 'x'.repeat(5000)), ['payload principals.0.cluster']);
    assert.deepEqual(fields({ username: sa, extra: { [POD_NAME]: 'api-0' } }), [
      `payload principals.0.user.extra.${POD_NAME}`,
    ]);
    assert.deepEqual(fields({ username: sa, extra: { [POD_NAME]: ['api-0', 'api-1'] } }), [
      `payload principals.0.user.extra.${POD_NAME}`,
    ]);
    assert.deepEqual(fields({ username: sa, extra: { [CREDENTIAL_ID]: [`JTI=${'a'.repeat(300)}`] } }), [
      `payload principals.0.user.extra.${CREDENTIAL_ID}.0`,
    ]);
    assert.deepEqual(fields({ username: sa, extra: { [CREDENTIAL_ID]: [`JTI=${'a'.repeat(200)}`] } }), [
      `unmappable principals.0.user.extra["${CREDENTIAL_ID}"]`,
    ]);
    assert.deepEqual(fields({ username: `${sa}\ud800` }), ['unmappable principals.0.user.username']);
  });

  it('is only intake: a kubernetes.auditUser never reaches the alert the playbook gets', () => {
    const alert = toAlert(fixture('kubernetes-audit-user'));
    assert.ok(alert.principals.every((p) => (p.type as string) !== 'kubernetes.auditUser'));
  });
});

describe('POST /alerts with a Kubernetes audit event user', () => {
  it('starts the playbook for the token with 202', async () => {
    const { post, assertStarted } = intakeApp();
    const res = await post('/alerts', fixtureText('kubernetes-audit-user'));
    await assertStarted(res, [toAlert(fixture('kubernetes-audit-user'))]);
  });

  it('answers 422 naming the username of a human user, and starts nothing', async () => {
    const { post, assertRefused } = intakeApp();
    const res = await post('/alerts/generic', withAuditUser({ username: 'alice@acme.example' }));
    const { fields } = await assertRefused(res, 422);
    assert.deepEqual(fields, ['principals.0.user.username']);
  });
});
