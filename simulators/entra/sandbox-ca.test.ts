import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureSandboxCa } from './index.js';

describe('ensureSandboxCa', () => {
  const root = mkdtempSync(join(tmpdir(), 'entra-sandbox-ca-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('creates a CA and a localhost leaf for DNS:localhost, 127.0.0.1 and ::1 (serverAuth), keys 0600', async () => {
    const dir = join(root, 'fresh');
    const paths = await ensureSandboxCa(dir);
    const ca = new X509Certificate(readFileSync(paths.caCertPath));
    const leaf = new X509Certificate(readFileSync(paths.certPath));
    assert.equal(ca.ca, true);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(leaf.checkHost('localhost'), 'localhost');
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkIP('::1'), '::1');
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.ok(Date.parse(leaf.validTo) > Date.now() + 300 * 86_400_000);
    assert.equal(statSync(paths.keyPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'ca-key.pem')).mode & 0o777, 0o600);
  });

  it('reuses valid files, re-issues only a missing leaf, and agrees under concurrent calls', async () => {
    const dir = join(root, 'reuse');
    const [a, b, c] = await Promise.all([ensureSandboxCa(dir), ensureSandboxCa(dir), ensureSandboxCa(dir)]);
    assert.deepEqual(a, b);
    assert.deepEqual(b, c);
    const caBefore = readFileSync(a.caCertPath, 'utf8');
    const leafBefore = readFileSync(a.certPath, 'utf8');
    await ensureSandboxCa(dir);
    assert.equal(readFileSync(a.certPath, 'utf8'), leafBefore);

    unlinkSync(a.certPath);
    await ensureSandboxCa(dir);
    const leafAfter = readFileSync(a.certPath, 'utf8');
    assert.notEqual(leafAfter, leafBefore);
    assert.equal(readFileSync(a.caCertPath, 'utf8'), caBefore, 'the CA processes already trust is kept');
    assert.ok(new X509Certificate(leafAfter).verify(new X509Certificate(caBefore).publicKey));
  });
});
