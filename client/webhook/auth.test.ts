import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { authenticate, loadSourceAuth, loadWebhookAuth, signRequest, type AuthRequest } from './auth.js';

const dir = mkdtempSync(join(tmpdir(), 'revoker-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadWebhookAuth', () => {
  it('reads tokens and secrets from variables and trimmed files', () => {
    const tokenFile = join(dir, 'tokens');
    writeFileSync(tokenFile, '  from-file-1\nfrom-file-2\n\n');
    const auth = loadWebhookAuth({
      REVOKER_WEBHOOK_TOKEN: 'a, b',
      REVOKER_WEBHOOK_TOKEN_FILE: tokenFile,
      REVOKER_WEBHOOK_HMAC_SECRET: 's1',
    });
    assert.deepEqual(auth, { bearerTokens: ['a', 'b', 'from-file-1', 'from-file-2'], hmacSecrets: ['s1'] });
  });

  it('names the variables to set when there is no credential', () => {
    assert.throws(
      () => loadWebhookAuth({}),
      /set REVOKER_WEBHOOK_TOKEN or REVOKER_WEBHOOK_TOKEN_FILE .*REVOKER_WEBHOOK_HMAC_SECRET or REVOKER_WEBHOOK_HMAC_SECRET_FILE/,
    );
  });

  it('names an unreadable or empty secret file without printing its contents', () => {
    assert.throws(
      () => loadWebhookAuth({ REVOKER_WEBHOOK_HMAC_SECRET_FILE: join(dir, 'missing') }),
      /cannot read REVOKER_WEBHOOK_HMAC_SECRET_FILE \(.*missing\): ENOENT/,
    );
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    assert.throws(
      () => loadWebhookAuth({ REVOKER_WEBHOOK_TOKEN_FILE: empty }),
      /REVOKER_WEBHOOK_TOKEN_FILE .* is empty/,
    );
  });
});

describe('authenticate', () => {
  const auth = { bearerTokens: ['tok'], hmacSecrets: ['sec'] };
  const NOW = 1_800_000_000;
  const request = (headers: Record<string, string>, body = '{}') => {
    let bodyReads = 0;
    const req: AuthRequest & { bodyReads: () => number } = {
      header: (name) => Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
      rawBody: () => {
        bodyReads++;
        return Promise.resolve(new TextEncoder().encode(body));
      },
      bodyReads: () => bodyReads,
    };
    return req;
  };

  it('never reads the body of a request that carries no signature', async () => {
    const req = request({ Authorization: 'Bearer wrong' });
    assert.deepEqual(await authenticate(auth, req, NOW), { ok: false, reason: 'the bearer token is not valid' });
    assert.equal(req.bodyReads(), 0);
  });

  it('accepts a signature within five minutes either way, and refuses one just outside', async () => {
    for (const skew of [-300, 0, 300]) {
      const result = await authenticate(auth, request(signRequest('sec', '{}', NOW + skew)), NOW);
      assert.deepEqual(result, { ok: true, method: 'hmac', identity: 'hmac#1' }, `skew ${skew}`);
    }
    const late = await authenticate(auth, request(signRequest('sec', '{}', NOW + 301)), NOW);
    assert.equal(late.ok, false);
  });

  it('explains malformed signature headers', async () => {
    const cases: Record<string, string>[] = [
      { 'X-Revoker-Timestamp': String(NOW) },
      { 'X-Revoker-Timestamp': 'yesterday', 'X-Revoker-Signature': 'sha256=00' },
      { 'X-Revoker-Timestamp': String(NOW), 'X-Revoker-Signature': 'md5=abc' },
    ];
    const reasons = await Promise.all(
      cases.map(async (headers) => {
        const result = await authenticate(auth, request(headers), NOW);
        return result.ok ? 'ok' : result.reason;
      }),
    );
    assert.match(reasons[0] ?? '', /needs both X-Revoker-Timestamp and X-Revoker-Signature/);
    assert.match(reasons[1] ?? '', /not unix seconds/);
    assert.match(reasons[2] ?? '', /not "sha256=<64 hex digits>"/);
  });

  it('names the credential that authenticated by its place, never its value, and takes listed client certificate subjects', async () => {
    const many = { bearerTokens: ['t1', 't2'], hmacSecrets: ['s1', 's2'], clientCertSubjects: ['siem.example.com'] };
    const results = await Promise.all([
      authenticate(many, request({ Authorization: 'Bearer t2' }), NOW),
      authenticate(many, request(signRequest('s2', '{}', NOW)), NOW),
      authenticate(many, { ...request({}), urlToken: 't1' }, NOW),
      authenticate(many, { ...request({}), clientCertSubject: 'siem.example.com' }, NOW),
      authenticate(many, { ...request({}), clientCertSubject: 'intruder' }, NOW),
    ]);
    assert.deepEqual(results.slice(0, 4), [
      { ok: true, method: 'bearer', identity: 'bearer#2' },
      { ok: true, method: 'hmac', identity: 'hmac#2' },
      { ok: true, method: 'url-token', identity: 'bearer#1' },
      { ok: true, method: 'client-cert', identity: 'cert:siem.example.com' },
    ]);
    assert.equal(results[4]?.ok, false);
    assert.match(results[4]?.ok ? '' : results[4].reason, /client certificate's subject is not one this route accepts/);
  });

  it('refuses signed requests when no HMAC secret is configured', async () => {
    const result = await authenticate(
      { bearerTokens: ['tok'], hmacSecrets: [] },
      request(signRequest('sec', '{}', NOW)),
      NOW,
    );
    assert.deepEqual(result, { ok: false, reason: 'this webhook does not accept signed requests' });
  });
});

describe('per-source credentials', () => {
  it('reads each source its own tokens and secrets, and lets them stand without shared ones', () => {
    const env = { REVOKER_SPLUNK_TOKEN: 'splunk-1,splunk-2', REVOKER_ENTRA_ID_PROTECTION_HMAC_SECRET: 'idp-secret' };
    assert.deepEqual(loadSourceAuth(['splunk', 'entra-id-protection', 'sentinel'], env), {
      splunk: { bearerTokens: ['splunk-1', 'splunk-2'], hmacSecrets: [] },
      'entra-id-protection': { bearerTokens: [], hmacSecrets: ['idp-secret'] },
    });
    assert.throws(() => loadWebhookAuth(env), /no credentials/);
    assert.deepEqual(loadWebhookAuth(env, { sourcesHaveTheirOwn: true }), { bearerTokens: [], hmacSecrets: [] });
  });

  it('reads client certificate subjects, shared and per source, as credentials of their own', () => {
    const env = {
      REVOKER_GUARDDUTY_CLIENT_CERT_SUBJECTS: 'a.example.com, b.example.com',
      REVOKER_WEBHOOK_CLIENT_CERT_SUBJECTS: 'c',
    };
    assert.deepEqual(loadSourceAuth(['guardduty', 'splunk'], env), {
      guardduty: { bearerTokens: [], hmacSecrets: [], clientCertSubjects: ['a.example.com', 'b.example.com'] },
    });
    assert.deepEqual(loadWebhookAuth(env), { bearerTokens: [], hmacSecrets: [], clientCertSubjects: ['c'] });
  });
});
