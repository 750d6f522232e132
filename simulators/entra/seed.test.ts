import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SEED_PATH, EntraSeedError, loadEntraSeed, parseEntraSeed, type EntraSeed } from './index.js';
import { stateFromSeed } from './state.js';

const fixture = (): EntraSeed => structuredClone(loadEntraSeed(DEFAULT_SEED_PATH));

const rejects = (seed: unknown, field: RegExp) =>
  assert.throws(
    () => parseEntraSeed(seed),
    (error: unknown) => error instanceof EntraSeedError && field.test(error.message),
  );

describe('Entra seed', () => {
  it('loads the sandbox fixture', () => {
    const state = stateFromSeed(fixture());
    assert.equal(state.tenant.id, '26b7f9fa-ece8-4e81-8997-610171802439');
    assert.deepEqual(
      [...state.users.values()].map((u) => u.userPrincipalName),
      ['adele@contoso.example', 'megan@contoso.example'],
    );
    assert.equal(state.servicePrincipals.size, 6);
    assert.equal(state.appRoleAssignments.size, 11);
    assert.equal(state.applications.size, 2);
    assert.equal(state.grants.size, 2);
    assert.equal(state.refreshTokens.size, 1);
    const msp = state.servicePrincipals.get('2fcca71c-f141-48be-a314-c05e62d8144f');
    assert.equal(msp?.keyCredentials[0]?.endDateTime, '2036-01-01T00:00:00.000Z');
    assert.equal(msp?.passwordCredentials[0]?.hint, 'Msp');
  });

  it('names the offending field', () => {
    const badGuid = fixture();
    (badGuid.users[0] as { id: string }).id = 'adele';
    rejects(badGuid, /users\[0\]\.id: must be a GUID/);

    const dangling = fixture();
    dangling.oauth2PermissionGrants?.push({
      id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      clientId: '00000000-0000-4000-8000-000000000001',
      consentType: 'AllPrincipals',
      resourceId: '785f4211-bdb3-4d8a-a360-4b7e108c9d65',
      scope: 'User.Read',
    });
    rejects(dangling, /oauth2PermissionGrants\[2\]\.clientId: no service principal has id/);

    const wrongRole = fixture();
    const assignment = wrongRole.appRoleAssignments?.[0];
    if (assignment) assignment.appRole = 'Mail.Send';
    rejects(wrongRole, /appRoleAssignments\[0\]\.appRole: Microsoft Graph defines no app role Mail\.Send/);

    const principalless = fixture();
    const grant = principalless.oauth2PermissionGrants?.[0];
    if (grant) grant.principalId = null;
    rejects(principalless, /oauth2PermissionGrants\[0\]\.principalId: Principal grants need a principalId/);

    const duplicateKey = fixture();
    const msp = duplicateKey.servicePrincipals[1];
    const [firstSecret, secondSecret] = msp?.passwordCredentials ?? [];
    if (firstSecret && secondSecret) secondSecret.keyId = firstSecret.keyId;
    rejects(duplicateKey, /servicePrincipals\[1\]\.passwordCredentials\[1\]\.keyId: duplicate keyId/);

    const badCert = fixture();
    const cert = badCert.servicePrincipals[1]?.keyCredentials?.[0];
    if (cert) cert.certificate = 'bm90IGEgY2VydGlmaWNhdGU=';
    rejects(badCert, /servicePrincipals\[1\]\.keyCredentials\[0\]\.certificate: is not a parseable X\.509 certificate/);

    const wrongKey = fixture();
    const key = wrongKey.servicePrincipals[1]?.keyCredentials?.[0];
    if (key)
      key.privateKeyPem =
        '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIB1xv2U3w6n3fVnZ0yJw7m4JQ2cXJ8w0YQ1vR0x6bqQp\n-----END PRIVATE KEY-----\n';
    rejects(wrongKey, /keyCredentials\[0\]\.privateKeyPem: is not the private key of this certificate/);

    const unknownClient = fixture();
    const rt = unknownClient.users[0]?.refreshTokens?.[0];
    if (rt) rt.clientAppId = '00000000-0000-4000-8000-000000000002';
    rejects(unknownClient, /users\[0\]\.refreshTokens\[0\]\.clientAppId: no service principal has appId/);
  });
});
