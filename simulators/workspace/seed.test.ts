import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyFileOf, parseWorkspaceSeed, WORKSPACE_SANDBOX, WorkspaceSeedError, type WorkspaceSeed } from './index.js';
import { stateFromSeed } from './state.js';
import { SEED } from './test-support.js';

const clone = (): WorkspaceSeed => structuredClone(SEED);
const user = (seed: WorkspaceSeed, index: number) => {
  const found = seed.users[index];
  if (!found) throw new Error(`no user ${index}`);
  return found;
};

describe('Google Workspace seed', () => {
  it('accepts the sandbox fixture, which agrees with WORKSPACE_SANDBOX', () => {
    const seed = parseWorkspaceSeed(SEED);
    assert.equal(seed.domain, WORKSPACE_SANDBOX.domain);
    assert.equal(seed.customerId, WORKSPACE_SANDBOX.customerId);
    const account = seed.serviceAccounts[0];
    assert.equal(account?.email, WORKSPACE_SANDBOX.serviceAccount.email);
    assert.equal(account.clientId, WORKSPACE_SANDBOX.serviceAccount.clientId);
    assert.equal(account.keys[0]?.keyId, WORKSPACE_SANDBOX.serviceAccount.keyId);
    assert.deepEqual(seed.delegation, { [account.clientId]: [...WORKSPACE_SANDBOX.delegatedScopes] });
    for (const app of [WORKSPACE_SANDBOX.maliciousApp, WORKSPACE_SANDBOX.legitimateApp]) {
      const seeded = seed.apps.find((a) => a.clientId === app.clientId);
      assert.deepEqual([seeded?.displayText, seeded?.scopes], [app.displayText, [...app.scopes]]);
    }
    const state = stateFromSeed(SEED);
    for (const [name, facts] of Object.entries(WORKSPACE_SANDBOX.users)) {
      const seeded = state.users.get(facts.id);
      assert.equal(seeded?.primaryEmail, facts.email, name);
      assert.equal(seeded.sessions, facts.sessions, name);
      assert.equal(seeded.isAdmin, name === 'admin', name);
      const tokens: Record<string, string> = 'tokens' in facts ? facts.tokens : {};
      const granted = state.grants.filter((g) => g.userId === facts.id);
      assert.deepEqual(granted.map((g) => g.accessToken).sort(), Object.values(tokens).sort(), `${name}'s grants`);
    }
  });

  it('names the offending field in validation errors', () => {
    const cases: [string, (seed: WorkspaceSeed) => void, RegExp][] = [
      [
        'grant of an unknown app',
        (s) => Object.assign(user(s, 1).grants?.[0] ?? {}, { clientId: '99-x.apps.googleusercontent.com' }),
        /users\[1\]\.grants\[0\]\.clientId: no app in apps/,
      ],
      [
        'duplicate alias',
        (s) => Object.assign(user(s, 2), { aliases: ['m.garcia@acme.example'] }),
        /users\[2\]\.aliases\[0\]: duplicate address/,
      ],
      [
        'address outside the domain',
        (s) => Object.assign(user(s, 3), { primaryEmail: 'sam@other.example' }),
        /users\[3\]\.primaryEmail: sam@other\.example is not in the domain/,
      ],
      ['user id', (s) => Object.assign(user(s, 4), { id: '42' }), /users\[4\]\.id: must be a 21-digit number/],
      [
        'delegation to nobody',
        (s) => Object.assign(s.delegation, { '100000000000000000001': [] }),
        /delegation\.100000000000000000001: no service account/,
      ],
      [
        'token that looks real',
        (s) => Object.assign(user(s, 2).grants?.[0] ?? {}, { accessToken: 'ya29.a0AfH6SM' }),
        /users\[2\]\.grants\[0\]\.accessToken: must be a sandbox access token/,
      ],
      [
        'mismatched private key',
        (s) => Object.assign(s.serviceAccounts[0]?.keys[0] ?? {}, { privateKey: 'not a key' }),
        /serviceAccounts\[0\]\.keys\[0\]\.privateKey: is not a PEM RSA private key/,
      ],
      [
        'generated grant beyond count',
        (s) =>
          Object.assign(s, {
            generatedUsers: { count: 3, grants: [{ clientId: WORKSPACE_SANDBOX.maliciousApp.clientId, users: [4] }] },
          }),
        /generatedUsers\.grants\[0\]\.users: user 4 is beyond count 3/,
      ],
    ];
    for (const [what, mutate, expected] of cases) {
      const seed = clone();
      mutate(seed);
      assert.throws(
        () => parseWorkspaceSeed(seed),
        (e: unknown) => e instanceof WorkspaceSeedError && expected.test(e.message),
        what,
      );
    }
  });

  it('generates many users with grants made from the app token label', () => {
    const state = stateFromSeed({
      ...clone(),
      generatedUsers: {
        count: 250,
        prefix: 'staff',
        grants: [{ clientId: WORKSPACE_SANDBOX.maliciousApp.clientId, users: [1, 250] }],
      },
    });
    assert.equal(state.users.size, 255);
    assert.equal(state.users.get('190000000000000000250')?.primaryEmail, 'staff0250@acme.example');
    assert.deepEqual(
      state.grants.filter((g) => g.clientId === WORKSPACE_SANDBOX.maliciousApp.clientId).map((g) => g.accessToken),
      [
        'ya29.SANDBOX-mailhelper-maria',
        'ya29.SANDBOX-mailhelper-li',
        'ya29.SANDBOX-mailhelper-staff0001',
        'ya29.SANDBOX-mailhelper-staff0250',
      ],
    );
  });

  it("gives the key file google-auth-library reads, with Google's token URL", () => {
    const keyFile = keyFileOf(SEED);
    assert.equal(keyFile.type, 'service_account');
    assert.equal(keyFile.client_email, WORKSPACE_SANDBOX.serviceAccount.email);
    assert.equal(keyFile.client_id, WORKSPACE_SANDBOX.serviceAccount.clientId);
    assert.equal(keyFile.private_key_id, WORKSPACE_SANDBOX.serviceAccount.keyId);
    assert.equal(keyFile.token_uri, 'https://oauth2.googleapis.com/token');
    assert.match(keyFile.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.throws(() => keyFileOf(SEED, 'f'.repeat(40)), /is not in the seed/);
  });
});
