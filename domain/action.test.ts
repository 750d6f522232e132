import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTION_KINDS,
  ActionKind,
  activityCall,
  actionId,
  AwsKeyTarget,
  AwsRoleTarget,
  AwsUserTarget,
  describeAction,
  ENDED_BY,
  EntraApplicationSecretTarget,
  EntraFederatedCredentialTarget,
  EntraServicePrincipalTarget,
  EntraUserTarget,
  GcpBindingTarget,
  GcpKeyTarget,
  GcpServiceAccountTarget,
  isReleaseKind,
  RELEASE_OF,
  KubernetesBindingsTarget,
  KubernetesPodTarget,
  KubernetesSecretTarget,
  KubernetesServiceAccountTarget,
  WorkspaceAppTarget,
  WorkspaceTokenTarget,
  WorkspaceUserTarget,
  watchedBy,
  type ActionKindInfo,
  type ActionSpec,
  type StepClock,
} from './action.js';
import { durationMs } from './duration.js';

const KINDS = Object.keys(ACTION_KINDS) as ActionKind[];
const info = (kind: ActionKind): ActionKindInfo => ACTION_KINDS[kind];

/** One sample per target shape: a kind whose shape has none here fails below, naming it. */
const SAMPLES = new Map<unknown, ActionSpec['target']>([
  [AwsKeyTarget, { accountId: '123456789012', userName: 'alice', accessKeyId: 'AKIAALICE07EXAMPLE01' }],
  [AwsUserTarget, { accountId: '123456789012', userName: 'alice' }],
  [AwsRoleTarget, { accountId: '123456789012', roleName: 'deploy' }],
  [EntraUserTarget, { tenantId: 'contoso', userId: 'u-1', userPrincipalName: 'adele@contoso.example' }],
  [
    EntraServicePrincipalTarget,
    { tenantId: 'contoso', servicePrincipalId: 'sp-1', appId: 'app-1', displayName: 'Payroll sync' },
  ],
  [
    EntraFederatedCredentialTarget,
    {
      tenantId: 'contoso',
      applicationId: 'app-object-1',
      appId: 'app-1',
      credentialId: 'fic-1',
      name: 'deploy',
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:attacker/persist:ref:refs/heads/main',
    },
  ],
  [
    EntraApplicationSecretTarget,
    { tenantId: 'contoso', applicationId: 'app-object-1', appId: 'app-1', keyId: 'key-1', displayName: 'backup' },
  ],
  [GcpServiceAccountTarget, { projectId: 'acme-prod', email: 'etl@acme-prod.iam.gserviceaccount.com' }],
  [
    GcpKeyTarget,
    {
      projectId: 'acme-prod',
      email: 'etl@acme-prod.iam.gserviceaccount.com',
      keyName: 'projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com/keys/k1',
    },
  ],
  [
    GcpBindingTarget,
    {
      projectId: 'acme-prod',
      email: 'deployer@acme-prod.iam.gserviceaccount.com',
      role: 'roles/iam.serviceAccountTokenCreator',
      member: 'serviceAccount:etl@acme-prod.iam.gserviceaccount.com',
    },
  ],
  [WorkspaceUserTarget, { domain: 'acme.example', user: 'maria@acme.example' }],
  [KubernetesSecretTarget, { cluster: 'prod', namespace: 'payments', serviceAccount: 'api', secret: 'api-token' }],
  [KubernetesPodTarget, { cluster: 'prod', namespace: 'payments', serviceAccount: 'api', pod: 'api-7d9f', uid: 'u-1' }],
  [KubernetesServiceAccountTarget, { cluster: 'prod', namespace: 'payments', name: 'api', uid: 'u-2' }],
  [KubernetesBindingsTarget, { cluster: 'prod', namespace: 'payments', serviceAccount: 'api' }],
  [
    WorkspaceAppTarget,
    { domain: 'acme.example', clientId: '4087-mail.apps.googleusercontent.com', displayText: 'Mail Helper' },
  ],
  [
    WorkspaceTokenTarget,
    {
      domain: 'acme.example',
      clientId: '4087-mail.apps.googleusercontent.com',
      displayText: 'Mail Helper',
      user: 'maria@acme.example',
    },
  ],
]);

function sample(kind: ActionKind): ActionSpec {
  const target = SAMPLES.get(ACTION_KINDS[kind].target);
  assert.ok(target, `${kind}: no sample target for its target shape in action.test.ts`);
  return { kind, target } as ActionSpec;
}

const clock: StepClock = { at: '2026-11-23T10:00:00.000Z', undoAt: '2026-11-22T09:00:00.000Z' };

describe('the action kind registry', () => {
  it('is what ActionKind lists, in the same order', () => {
    assert.deepEqual(ActionKind.options, KINDS);
  });

  it('gives every kind a provider, risks, a description and an act and a verify activity on that provider', () => {
    for (const kind of KINDS) {
      const entry = info(kind);
      assert.ok(['aws', 'entra', 'gcp', 'workspace', 'kubernetes'].includes(entry.provider), kind);
      assert.equal(kind.split('.')[0], entry.provider, `${kind}: named after its provider`);
      assert.ok(entry.residualRisk.length > 10, `${kind}: residual risk`);
      assert.ok(entry.shortRisk.length > 0 && entry.shortRisk.length <= 64, `${kind}: short risk`);
      const spec = sample(kind);
      assert.ok(ACTION_KINDS[kind].target.safeParse(spec.target).success, `${kind}: sample fits its target schema`);
      assert.ok(describeAction(spec).length > 10, `${kind}: description`);
      for (const phase of ['act', 'verify'] as const) {
        const call = activityCall(spec, phase, clock);
        assert.equal(call.provider, entry.provider, `${kind} ${phase}`);
        assert.match(call.activity, /^[a-z]\w+$/, `${kind} ${phase}: an activity name`);
      }
    }
  });

  it('gives each kind a different act activity, and verifies with a different one than it acts with', () => {
    const acts = KINDS.map((kind) => activityCall(sample(kind), 'act', clock).activity);
    assert.equal(new Set(acts).size, acts.length, 'one act activity per kind');
    for (const kind of KINDS) {
      const spec = sample(kind);
      assert.notEqual(activityCall(spec, 'act', clock).activity, activityCall(spec, 'verify', clock).activity, kind);
    }
  });

  it('gives a residual window only as a duration, and names a watched credential only on a provider whose trail is read', () => {
    for (const kind of KINDS) {
      const entry = info(kind);
      if (entry.lingers !== undefined) assert.ok(durationMs(entry.lingers) > 0, `${kind}: lingers is a duration`);
      const watched = watchedBy(sample(kind));
      if (watched) {
        assert.equal(watched.provider, entry.provider, kind);
        assert.ok(['aws', 'entra', 'gcp'].includes(watched.provider), `${kind}: a provider the sweep reads`);
        assert.ok(watched.id.length > 0 && watched.scope.length > 0, kind);
      }
    }
    assert.deepEqual(watchedBy(sample('aws.deactivateAccessKey')), {
      provider: 'aws',
      scope: '123456789012',
      kind: 'accessKey',
      id: 'AKIAALICE07EXAMPLE01',
    });
    assert.equal(
      watchedBy(sample('aws.revokeRoleSessions')),
      undefined,
      "a role's new sessions are its own: not watched",
    );
  });

  it('keeps action ids stable: they are in running histories, ledgers and one-click links', () => {
    const ids = Object.fromEntries(KINDS.map((kind) => [kind, actionId(sample(kind))]));
    assert.deepEqual(ids, {
      'aws.deactivateAccessKey': 'aws:deactivate-key:AKIAALICE07EXAMPLE01',
      'aws.denyUserSessions': 'aws:deny-user-sessions:123456789012/alice',
      'aws.revokeRoleSessions': 'aws:revoke-role-sessions:123456789012/deploy',
      'aws.deleteAccessKey': 'aws:delete-key:AKIAALICE07EXAMPLE01',
      'aws.revokeUserSessions': 'aws:revoke-user-sessions:123456789012/alice',
      'aws.deleteLoginProfile': 'aws:delete-login-profile:123456789012/alice',
      'entra.revokeUserSessions': 'entra:revoke-sessions:u-1',
      'entra.disableUser': 'entra:disable-user:u-1',
      'entra.removeServicePrincipalCredentials': 'entra:remove-credentials:sp-1',
      'entra.deleteConsentGrants': 'entra:delete-grants:sp-1',
      'entra.disableServicePrincipal': 'entra:disable-service-principal:sp-1',
      'entra.removeFederatedCredential': 'entra:remove-federated-credential:app-object-1/fic-1',
      'entra.removeApplicationSecret': 'entra:remove-application-secret:app-object-1/key-1',
      'gcp.disableKey': 'gcp:disable-key:k1',
      'gcp.deleteKey': 'gcp:delete-key:k1',
      'gcp.disableServiceAccount': 'gcp:disable-service-account:etl@acme-prod.iam.gserviceaccount.com',
      'gcp.removeTokenCreatorBinding':
        'gcp:remove-binding:deployer@acme-prod.iam.gserviceaccount.com/roles/iam.serviceAccountTokenCreator/serviceAccount:etl@acme-prod.iam.gserviceaccount.com',
      'workspace.deleteAppToken': 'workspace:delete-token:maria@acme.example/4087-mail.apps.googleusercontent.com',
      'workspace.deleteAppTokensEverywhere':
        'workspace:delete-app-everywhere:acme.example/4087-mail.apps.googleusercontent.com',
      'workspace.signOutUser': 'workspace:sign-out:maria@acme.example',
      'workspace.suspendUser': 'workspace:suspend:maria@acme.example',
      'kubernetes.deleteTokenSecret': 'kubernetes:delete-token-secret:prod/payments/api-token',
      'kubernetes.deletePod': 'kubernetes:delete-pod:prod/payments/api-7d9f',
      'kubernetes.recreateServiceAccount': 'kubernetes:recreate-service-account:prod/payments/api',
      'kubernetes.removeBindings': 'kubernetes:remove-bindings:prod/payments/api',
      'kubernetes.restoreBindings': 'kubernetes:restore-bindings:prod/payments/api',
      'aws.reactivateAccessKey': 'aws:reactivate-key:AKIAALICE07EXAMPLE01',
      'aws.removeUserDeny': 'aws:remove-user-deny:123456789012/alice',
      'aws.removeRoleRevocation': 'aws:remove-role-revocation:123456789012/deploy',
      'aws.removeUserSessionRevocation': 'aws:remove-user-session-revocation:123456789012/alice',
      'entra.enableUser': 'entra:enable-user:u-1',
      'entra.enableServicePrincipal': 'entra:enable-service-principal:sp-1',
      'gcp.enableKey': 'gcp:enable-key:k1',
      'gcp.enableServiceAccount': 'gcp:enable-service-account:etl@acme-prod.iam.gserviceaccount.com',
      'gcp.restoreTokenCreatorBinding':
        'gcp:restore-binding:deployer@acme-prod.iam.gserviceaccount.com/roles/iam.serviceAccountTokenCreator/serviceAccount:etl@acme-prod.iam.gserviceaccount.com',
      'workspace.unsuspendUser': 'workspace:unsuspend:maria@acme.example',
    });
    assert.equal(new Set(Object.values(ids)).size, KINDS.length, 'ids are unique');
  });

  it('gives every reversible containment kind exactly one release kind, on the same target shape', () => {
    for (const kind of KINDS.filter((k) => !isReleaseKind(k))) {
      const releases = KINDS.filter((k) => info(k).undoes === kind);
      assert.equal(releases.length, info(kind).reversible ? 1 : 0, `${kind}: release kinds ${releases.join(', ')}`);
      assert.equal(RELEASE_OF[kind], releases[0], kind);
      if (releases[0]) assert.equal(ACTION_KINDS[releases[0]].target, ACTION_KINDS[kind].target, kind);
    }
  });

  it('makes release kinds undo a containment kind, and never reversible or destructive themselves', () => {
    for (const kind of KINDS.filter(isReleaseKind)) {
      const undone = info(kind).undoes as ActionKind;
      assert.ok(info(undone).reversible && !isReleaseKind(undone), `${kind} undoes ${undone}`);
      assert.equal(info(kind).reversible, false, kind);
      assert.equal(info(kind).destructive, false, kind);
      assert.equal(info(kind).ends, undefined, kind);
    }
  });

  it('marks destructive kinds irreversible and says so in their description', () => {
    for (const kind of KINDS.filter((k) => info(k).destructive)) {
      assert.equal(info(kind).reversible, false, kind);
      assert.match(describeAction(sample(kind)), /\(permanent\)$/, kind);
    }
  });

  it('lets a kind end only a reversible kind on the same target, and finds it back through ENDED_BY', () => {
    const ending = KINDS.filter((k) => info(k).ends);
    assert.deepEqual(ending, ['aws.deleteAccessKey', 'gcp.deleteKey']);
    for (const kind of ending) {
      const ended = info(kind).ends as ActionKind;
      assert.ok(info(ended).reversible, `${kind} ends ${ended}`);
      assert.equal(ACTION_KINDS[ended].target, ACTION_KINDS[kind].target, kind);
      assert.equal(ENDED_BY[ended], kind);
    }
  });
});

describe('activityCall', () => {
  const key = sample('aws.deactivateAccessKey');

  it('passes the target itself when the activity takes it as it is', () => {
    const call = activityCall(key, 'act', clock);
    assert.deepEqual(call, { provider: 'aws', activity: 'deactivateAwsAccessKey', argument: key.target });
    assert.equal(call.argument, key.target);
  });

  it('adds the expected state to the target for a verification that reads one', () => {
    assert.equal(
      JSON.stringify(activityCall(key, 'verify', clock).argument),
      JSON.stringify({ ...key.target, expected: 'Inactive' }),
    );
    assert.deepEqual(activityCall(sample('gcp.enableKey'), 'verify', clock).argument, {
      ...sample('gcp.enableKey').target,
      expected: 'enabled',
    });
  });

  it("cuts a session revocation off at the step's start, and its removal at the revocation undone", () => {
    const role = sample('aws.revokeRoleSessions');
    for (const phase of ['act', 'verify'] as const) {
      assert.deepEqual(activityCall(role, phase, clock).argument, { ...role.target, issuedBefore: clock.at });
      const removal = sample('aws.removeRoleRevocation');
      assert.deepEqual(activityCall(removal, phase, clock).argument, { ...removal.target, issuedBefore: clock.undoAt });
    }
    const entra = sample('entra.revokeUserSessions');
    assert.deepEqual(activityCall(entra, 'act', clock).argument, { ...entra.target, at: clock.at });
  });

  it('reads undoAt only for the kinds that undo a revocation', () => {
    const readsUndoAt = KINDS.filter((kind) => {
      let read = false;
      const watched: StepClock = {
        at: clock.at,
        get undoAt() {
          read = true;
          return clock.undoAt;
        },
      };
      activityCall(sample(kind), 'act', watched);
      activityCall(sample(kind), 'verify', watched);
      return read;
    });
    assert.deepEqual(readsUndoAt, ['aws.removeRoleRevocation', 'aws.removeUserSessionRevocation']);
  });
});
