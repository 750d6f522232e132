import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { loadLinkSecrets } from './link-secrets.js';
import {
  LINK_AUDIENCE,
  LINK_ISSUER,
  LinkTokenError,
  signLinkToken,
  verifyLinkToken,
  type LinkGrant,
  type LinkProblem,
} from './link-token.js';

const SECRET = 'a'.repeat(16) + 'link-secret-for-tests-0123456789';
const OLD_SECRET = 'o'.repeat(16) + 'older-link-secret-0123456789abc';
const NOW = new Date('2026-11-23T10:00:00Z');
const GRANT: LinkGrant = {
  workflowId: 'contain/aws/123456789012/user/alice',
  runId: '0b6c8a52-1f7e-4d7b-9a55-4e2b6f0c1d2e',
  verdict: 'approve',
  actions: ['aws:delete-key:AKIA1', 'aws:delete-key:AKIA2'],
  approver: 'sam@example.com',
  expiresAt: new Date(NOW.getTime() + 3_600_000),
};

async function refusal(promise: Promise<unknown>): Promise<LinkProblem> {
  const error: unknown = await promise.then(
    () => assert.fail('expected the token to be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LinkTokenError, String(error));
  return error.problem;
}

/** The claims a genuine link carries, for hand-made tokens that differ in one respect. */
function claims(overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(NOW.getTime() / 1000);
  return {
    iss: LINK_ISSUER,
    aud: LINK_AUDIENCE,
    sub: GRANT.approver,
    jti: 'abcdefghijklmnopqrstuv',
    iat,
    exp: iat + 3600,
    workflowId: GRANT.workflowId,
    runId: GRANT.runId,
    verdict: GRANT.verdict,
    actions: GRANT.actions,
    ...overrides,
  };
}

function handMade(payload: Record<string, unknown>, header: Record<string, string> = {}, secret = SECRET) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'revoker-link+jwt', ...header })
    .sign(new TextEncoder().encode(secret));
}

describe('approval link tokens', () => {
  it('round-trips every bound claim and gives each link its own id', async () => {
    const first = await signLinkToken(SECRET, GRANT, NOW);
    const second = await signLinkToken(SECRET, GRANT, NOW);
    assert.notEqual(first.id, second.id);
    const link = await verifyLinkToken(first.token, [SECRET], NOW);
    assert.deepEqual(link, {
      ...GRANT,
      id: first.id,
      issuedAt: NOW,
      expiresAt: GRANT.expiresAt,
    });
  });

  it('refuses a token whose signature was changed', async () => {
    const { token } = await signLinkToken(SECRET, GRANT, NOW);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${flipped}`;
    assert.equal(await refusal(verifyLinkToken(forged, [SECRET], NOW)), 'forged');
  });

  it('refuses a token whose claims were altered after signing', async () => {
    const { token } = await signLinkToken(SECRET, GRANT, NOW);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const altered = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    altered.sub = 'eve@example.com';
    const reencoded = Buffer.from(JSON.stringify(altered)).toString('base64url');
    assert.equal(await refusal(verifyLinkToken(`${header}.${reencoded}.${signature}`, [SECRET], NOW)), 'forged');
  });

  it('refuses a token signed with a secret the server does not hold', async () => {
    const { token } = await signLinkToken('x'.repeat(40), GRANT, NOW);
    assert.equal(await refusal(verifyLinkToken(token, [SECRET], NOW)), 'forged');
  });

  it('refuses an expired token, tolerating only a few seconds of clock skew', async () => {
    const { token } = await signLinkToken(SECRET, GRANT, NOW);
    const justAfter = new Date(GRANT.expiresAt.getTime() + 3_000);
    assert.equal((await verifyLinkToken(token, [SECRET], justAfter)).approver, GRANT.approver);
    const later = new Date(GRANT.expiresAt.getTime() + 10_000);
    assert.equal(await refusal(verifyLinkToken(token, [SECRET], later)), 'expired');
  });

  it('keeps the grant of an expired link whose signature holds, so its page can name the incident', async () => {
    const { token, id } = await signLinkToken(SECRET, GRANT, NOW);
    const later = new Date(GRANT.expiresAt.getTime() + 60_000);
    const error: unknown = await verifyLinkToken(token, [OLD_SECRET, SECRET], later).catch((e: unknown) => e);
    assert.ok(error instanceof LinkTokenError && error.problem === 'expired', String(error));
    assert.deepEqual({ ...error.link, issuedAt: undefined }, { ...GRANT, id, issuedAt: undefined });
    const forgedError: unknown = await verifyLinkToken((await signLinkToken('y'.repeat(40), GRANT, NOW)).token, [
      SECRET,
    ]).catch((e: unknown) => e);
    assert.ok(forgedError instanceof LinkTokenError && forgedError.link === undefined);
  });

  it('says "forged", not "expired", for an expired token with a bad signature', async () => {
    const { token } = await signLinkToken('y'.repeat(40), GRANT, NOW);
    const later = new Date(GRANT.expiresAt.getTime() + 60_000);
    assert.equal(await refusal(verifyLinkToken(token, [SECRET], later)), 'forged');
  });

  it('refuses a token for another audience, issuer or type even when signed with the secret', async () => {
    for (const token of [
      await handMade(claims({ aud: 'some-other-service' })),
      await handMade(claims({ iss: 'someone-else' })),
      await handMade(claims(), { typ: 'JWT' }),
    ]) {
      assert.equal(await refusal(verifyLinkToken(token, [SECRET], NOW)), 'forged');
    }
  });

  it('refuses a signed token whose claims are not a link (missing actions, unknown verdict)', async () => {
    for (const token of [
      await handMade(claims({ actions: [] })),
      await handMade(claims({ verdict: 'delete-everything' })),
      await handMade(claims({ jti: undefined })),
    ]) {
      assert.equal(await refusal(verifyLinkToken(token, [SECRET], NOW)), 'forged');
    }
  });

  it('keeps verifying links signed with an older secret while it is still configured (rotation)', async () => {
    const { token } = await signLinkToken(OLD_SECRET, GRANT, NOW);
    assert.equal((await verifyLinkToken(token, [SECRET, OLD_SECRET], NOW)).approver, GRANT.approver);
    assert.equal(await refusal(verifyLinkToken(token, [SECRET], NOW)), 'forged', 'refused once it is dropped');
  });

  it('refuses an unsigned ("alg": "none") token and another HMAC algorithm', async () => {
    const unsigned = new UnsecuredJWT(claims()).encode();
    assert.equal(await refusal(verifyLinkToken(unsigned, [SECRET], NOW)), 'forged');
    const hs512 = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS512', typ: 'revoker-link+jwt' })
      .sign(new TextEncoder().encode(SECRET));
    assert.equal(await refusal(verifyLinkToken(hs512, [SECRET], NOW)), 'forged');
  });

  it('calls anything that is not a compact JWT malformed', async () => {
    for (const token of ['', 'not-a-token', 'a.b', 'a.b.c.d', 'x'.repeat(9_000), 'ey$.ey.sig', 'abc.def.ghi']) {
      assert.equal(await refusal(verifyLinkToken(token, [SECRET], NOW)), 'malformed', token.slice(0, 20));
    }
  });

  it('never quotes the token in its refusals', async () => {
    const { token } = await signLinkToken(SECRET, GRANT, NOW);
    const error = await verifyLinkToken(token, ['z'.repeat(40)], NOW).catch((e: unknown) => e);
    assert.ok(error instanceof LinkTokenError && !error.message.includes(token.slice(-20)));
  });
});

describe('link secrets', () => {
  it('reads a comma-separated list and a file, first one first, without duplicates', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'revoker-links-')), 'secrets');
    writeFileSync(file, `${OLD_SECRET}\n${SECRET}\n`);
    assert.deepEqual(loadLinkSecrets({ REVOKER_LINK_SECRETS: SECRET, REVOKER_LINK_SECRETS_FILE: file }), [
      SECRET,
      OLD_SECRET,
    ]);
    assert.deepEqual(loadLinkSecrets({}), [], 'none configured: no links');
  });

  it('refuses a secret shorter than 32 characters without quoting it', () => {
    assert.throws(
      () => loadLinkSecrets({ REVOKER_LINK_SECRETS: `${SECRET},short-secret` }),
      (error: Error) =>
        /secret #2 has 12 characters; each needs at least 32/.test(error.message) &&
        !error.message.includes('short-secret'),
    );
  });
});
