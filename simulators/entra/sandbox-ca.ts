// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface SandboxCa {
  /** PEM of the CA to trust: `NODE_EXTRA_CA_CERTS=<caCertPath>` at process start. */
  caCertPath: string;
  /** PEM certificate chain (leaf, then CA) for localhost, 127.0.0.1 and ::1. */
  certPath: string;
  /** PEM PKCS#8 private key of the leaf (mode 0600). */
  keyPath: string;
}

/** `<repo>/.revoker/sandbox-ca`, overridable with REVOKER_SANDBOX_CA_DIR. */
export const defaultSandboxCaDir = (): string =>
  process.env.REVOKER_SANDBOX_CA_DIR ?? fileURLToPath(new URL('../../.revoker/sandbox-ca', import.meta.url));

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const DAY_MS = 86_400_000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
const LOCK_STALE_MS = 30_000;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface Paths {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

const pathsIn = (dir: string): Paths => ({
  caCert: join(dir, 'ca-cert.pem'),
  caKey: join(dir, 'ca-key.pem'),
  cert: join(dir, 'localhost-cert.pem'),
  key: join(dir, 'localhost-key.pem'),
});

const validFor = (cert: X509Certificate, ms: number): boolean => Date.parse(cert.validTo) - Date.now() >= ms;

function readCert(path: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(path));
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readKey(path: string): KeyObject | undefined {
  try {
    return createPrivateKey(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** The CA, if present, still a CA, matching its key and good for at least a day. */
function usableCa(paths: Paths): { cert: X509Certificate; key: KeyObject } | undefined {
  const cert = readCert(paths.caCert);
  const key = readKey(paths.caKey);
  if (!cert || !key || !cert.ca || !cert.checkPrivateKey(key) || !validFor(cert, DAY_MS)) return undefined;
  return { cert, key };
}

function leafIsUsable(paths: Paths, ca: X509Certificate): boolean {
  const cert = readCert(paths.cert);
  const key = readKey(paths.key);
  return (
    cert !== undefined &&
    key !== undefined &&
    cert.checkPrivateKey(key) &&
    cert.verify(ca.publicKey) &&
    cert.checkHost('localhost') !== undefined &&
    cert.checkIP('127.0.0.1') !== undefined &&
    validFor(cert, DAY_MS)
  );
}

/** Write-then-rename: a concurrent reader sees the old file or the new one, never half of one. */
function writeAtomically(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

const pemOfKey = (key: CryptoKey): string => KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();

async function importSigningKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function createCa(paths: Paths): Promise<X509Certificate> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Revoker Sandbox CA (local only), O=Revoker',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  writeAtomically(paths.caKey, pemOfKey(keys.privateKey), 0o600);
  writeAtomically(paths.caCert, cert.toString('pem') + '\n', 0o644);
  return new X509Certificate(cert.toString('pem'));
}

async function createLeaf(paths: Paths, ca: X509Certificate, caKey: KeyObject): Promise<void> {
  const keys = await generateKeys();
  const now = Date.now();
  const caCert = new x509.X509Certificate(ca.raw);
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + LEAF_VALIDITY_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(caKey),
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  writeAtomically(paths.key, pemOfKey(keys.privateKey), 0o600);
  // Serve the chain so clients that only trust the CA can still build the path.
  writeAtomically(paths.cert, `${cert.toString('pem')}\n${caCert.toString('pem')}\n`, 0o644);
}

/** mkdir is atomic: the process that creates the lock directory generates, the others wait and re-check. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + 2 * LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = (() => {
        try {
          return Date.now() - statSync(lock).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for the sandbox CA lock ${lock}`);
      else await sleep(25);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Returns a local CA and a localhost leaf signed by it, creating or renewing them as needed. The CA is kept
 * for ten years and reused whenever it is still good, because processes trust it once, at start
 * (NODE_EXTRA_CA_CERTS); only the leaf is re-issued when it has less than a day left.
 * Safe to call from several processes at once.
 */
export async function ensureSandboxCa(dir: string): Promise<SandboxCa> {
  const paths = pathsIn(dir);
  const result = { caCertPath: paths.caCert, certPath: paths.cert, keyPath: paths.key };
  const fresh = usableCa(paths);
  if (fresh && leafIsUsable(paths, fresh.cert)) return result;

  mkdirSync(dir, { recursive: true });
  return withLock(dir, async () => {
    const existing = usableCa(paths);
    const ca = existing ?? { cert: await createCa(paths), key: readKey(paths.caKey) };
    if (!ca.key) throw new Error(`cannot read the sandbox CA key ${paths.caKey}`);
    if (!existing || !leafIsUsable(paths, ca.cert)) await createLeaf(paths, ca.cert, ca.key);
    return result;
  });
}

/**
 * The file to name in NODE_EXTRA_CA_CERTS so that a process trusts the sandbox CA and also the CAs its parent
 * already trusted that way — a TLS-inspecting proxy's, say, without which npm and the real clouds fail with
 * SELF_SIGNED_CERT_IN_CHAIN. Node takes a single file there, so naming the sandbox CA alone would drop them.
 * `inherited` (the parent's NODE_EXTRA_CA_CERTS) is returned unchanged when it already holds the sandbox CA,
 * the CA itself when there is nothing to keep; otherwise `trust-<digest>.pem` in the CA's folder, both in one.
 */
export function trustFile(ca: Pick<SandboxCa, 'caCertPath'>, inherited: string | undefined): string {
  const own = readFileSync(ca.caCertPath, 'utf8').trim();
  // A parent's variable naming a file that is gone trusted nothing: there is nothing to keep.
  const kept = inherited ? (readText(inherited)?.trim() ?? '') : '';
  if (!kept) return ca.caCertPath;
  if (kept.includes(own)) return inherited as string;
  const bundle = `${kept}\n${own}\n`;
  const digest = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  const path = join(dirname(ca.caCertPath), `trust-${digest}.pem`);
  if (readText(path) !== bundle) writeAtomically(path, bundle, 0o644);
  return path;
}
