import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ensureSandboxCa, trustFile, type SandboxCa } from './index.js';

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

describe('trustFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'entra-trust-file-'));
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** An HTTPS server on a loopback port with the leaf of `ca`. */
  const serve = async (ca: SandboxCa): Promise<string> => {
    const server = createServer({ cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath) }, (_, res) =>
      res.end('ok'),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  };

  /** What a fresh Node process started with NODE_EXTRA_CA_CERTS=`trust` gets from each URL: 'ok' or the TLS error. */
  const fetchedBy = async (trust: string, urls: string[]): Promise<string[]> => {
    const script = `for (const url of ${JSON.stringify(urls)}) {
      try { console.log(await (await fetch(url)).text()); } catch (e) { console.log(e.cause?.code ?? e.message); }
    }`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: trust },
    });
    return stdout.trim().split('\n');
  };

  it("keeps the CAs the parent already trusted (a proxy's) beside the sandbox CA, in a file Node reads at start", async () => {
    const proxy = await ensureSandboxCa(join(root, 'proxy'));
    const sandbox = await ensureSandboxCa(join(root, 'sandbox'));
    const urls = [await serve(proxy), await serve(sandbox)];

    // Naming the sandbox CA alone drops the proxy's: what npm hit under Node 22 behind a TLS-inspecting proxy.
    assert.deepEqual(await fetchedBy(sandbox.caCertPath, urls), ['SELF_SIGNED_CERT_IN_CHAIN', 'ok']);

    const both = trustFile(sandbox, proxy.caCertPath);
    assert.notEqual(both, sandbox.caCertPath);
    assert.deepEqual(await fetchedBy(both, urls), ['ok', 'ok']);
    assert.equal(trustFile(sandbox, proxy.caCertPath), both, 'the same inputs give the same file');
    assert.equal(trustFile(sandbox, both), both, 'a file that already holds the sandbox CA is kept as it is');
  });

  it('is the sandbox CA itself when nothing was trusted before, or the file named is gone', async () => {
    const sandbox = await ensureSandboxCa(join(root, 'alone'));
    assert.equal(trustFile(sandbox, undefined), sandbox.caCertPath);
    assert.equal(trustFile(sandbox, ''), sandbox.caCertPath);
    assert.equal(trustFile(sandbox, join(root, 'no-such-bundle.pem')), sandbox.caCertPath);
  });
});
