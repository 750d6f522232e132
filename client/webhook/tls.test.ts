// HTTPS intake on real sockets: certificates made here, a reload on change, mutual TLS per route.
// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import assert from 'node:assert/strict';
import { KeyObject, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Alert } from '../../domain/alert.js';
import { playbookWorkflowId } from '../../domain/playbook-input.js';
import { createWebhookApp } from './app.js';
import { startWebhookServer, type WebhookServer } from './server.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const TOKEN = 'tls-test-token-0123456789';
const ALERT: Alert = {
  source: 'guardduty',
  id: 'tls-1',
  title: 'Key used from a new ASN',
  severity: 'high',
  observedAt: '2026-11-23T10:00:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName: 'alice' }],
};

const FINDING = readFileSync(
  new URL('../sources/fixtures/guardduty/iam-user-access-key.json', import.meta.url),
  'utf8',
);

interface Issued {
  cert: string;
  key: string;
  serial: string;
}

const pemOfKey = (key: webcrypto.CryptoKey) => KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();

async function makeCa(name: string) {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const issue = async (cn: string, usage: 'server' | 'client', serial: string): Promise<Issued> => {
    const leafKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${cn}`,
      issuer: cert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      publicKey: leafKeys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.ExtendedKeyUsageExtension([
          usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
        ]),
        ...(usage === 'server' ? [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])] : []),
      ],
    });
    return { cert: leaf.toString('pem'), key: pemOfKey(leafKeys.privateKey), serial };
  };
  return { pem: cert.toString('pem'), issue };
}

interface Reply {
  status: number;
  body: string;
  serial: string | undefined;
}

function post(
  url: string,
  options: { ca: string; client?: Issued; token?: string; route?: string; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.route ?? '/alerts'}`,
      {
        method: 'POST',
        ca: options.ca,
        agent: false,
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        headers: {
          'Content-Type': 'application/json',
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial: serial?.toLowerCase() }));
      },
    );
    req.on('error', reject);
    req.end(options.body ?? JSON.stringify(ALERT));
  });
}

describe('HTTPS intake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const clientCaFile = join(dir, 'client-ca.pem');
  const logLines: string[] = [];
  const started: Alert[] = [];
  let server: WebhookServer;
  let serverCa: Awaited<ReturnType<typeof makeCa>>;
  let clientCa: Awaited<ReturnType<typeof makeCa>>;
  let strangerCa: Awaited<ReturnType<typeof makeCa>>;

  const writePair = (pair: Issued) => {
    // Write-then-rename, as certbot and Kubernetes secret volumes replace files.
    writeFileSync(`${certFile}.tmp`, pair.cert);
    writeFileSync(`${keyFile}.tmp`, pair.key);
    renameSync(`${certFile}.tmp`, certFile);
    renameSync(`${keyFile}.tmp`, keyFile);
  };

  before(async () => {
    [serverCa, clientCa, strangerCa] = await Promise.all([makeCa('server CA'), makeCa('client CA'), makeCa('other')]);
    writePair(await serverCa.issue('127.0.0.1', 'server', '01'));
    writeFileSync(clientCaFile, clientCa.pem);
    const app = createWebhookApp({
      auth: { bearerTokens: [TOKEN], hmacSecrets: [] },
      // GuardDuty can send client certificates here (EventBridge API destinations cannot; the test only needs a route).
      sourceAuth: { guardduty: { bearerTokens: [], hmacSecrets: [], clientCertSubjects: ['siem.example.com'] } },
      startPlaybook: (alert) => {
        started.push(alert);
        const workflowId = playbookWorkflowId(alert.principals);
        return Promise.resolve({
          workflowId,
          runId: 'r',
          uiUrl: 'u',
          outcome: 'started',
          merged: false,
          duplicate: false,
        });
      },
    });
    const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
    server = await startWebhookServer({
      port: 0,
      host: '127.0.0.1',
      app,
      tls: { certFile, keyFile, clientCaFile },
      logger,
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the intake over HTTPS from the certificate files', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const reply = await post(server.url, { ca: serverCa.pem, token: TOKEN });
    assert.equal(reply.status, 202, reply.body);
    assert.equal(reply.serial, '01');
    assert.deepEqual(started, [ALERT]);
  });

  it('serves a renewed certificate without a restart, and refuses a bad pair while the old one keeps serving', async () => {
    const renewed = await serverCa.issue('127.0.0.1', 'server', '02');
    writePair(renewed);
    const deadline = Date.now() + 5_000;
    let reply = await post(server.url, { ca: serverCa.pem, token: TOKEN });
    while (reply.serial !== '02' && Date.now() < deadline) {
      await sleep(50);
      reply = await post(server.url, { ca: serverCa.pem, token: TOKEN });
    }
    assert.equal(reply.serial, '02', 'the renewed certificate is served');
    assert.ok(logLines.some((line) => line.includes('TLS certificate reloaded')));

    // A certificate with another certificate's key: refused, logged, and 02 still serves.
    const other = await serverCa.issue('127.0.0.1', 'server', '03');
    writePair({ ...other, key: (await serverCa.issue('127.0.0.1', 'server', '04')).key });
    const refusedBy = Date.now() + 5_000;
    while (!logLines.some((line) => line.includes('refused the new TLS files')) && Date.now() < refusedBy) {
      await sleep(50);
    }
    const refusal = logLines.find((line) => line.includes('refused the new TLS files'));
    assert.match(refusal ?? '', /is not the key of the certificate/);
    assert.doesNotMatch(refusal ?? '', /PRIVATE KEY/, 'the log names the file, never the key');
    assert.equal((await post(server.url, { ca: serverCa.pem, token: TOKEN })).serial, '02');
  });

  it('takes a client certificate from the client CA with a listed subject as the credential of its route', async () => {
    const siem = await clientCa.issue('siem.example.com', 'client', '10');
    const generic = await post(server.url, { ca: serverCa.pem, client: siem });
    assert.equal(generic.status, 401, 'the generic route takes the shared bearer token, not certificates');
    const before = started.length;
    const none = await post(server.url, { ca: serverCa.pem, route: '/alerts/guardduty' });
    assert.equal(none.status, 401, 'no client certificate: refused');
    assert.match(none.body, /client certificate/);
    const unlisted = await post(server.url, {
      ca: serverCa.pem,
      client: await clientCa.issue('someone-else', 'client', '11'),
      route: '/alerts/guardduty',
    });
    assert.equal(unlisted.status, 401, 'a subject the route does not list: refused');
    const stranger = await post(server.url, {
      ca: serverCa.pem,
      client: await strangerCa.issue('siem.example.com', 'client', '12'),
      route: '/alerts/guardduty',
    });
    assert.equal(stranger.status, 401, 'the right name from another CA: refused');
    const token = await post(server.url, { ca: serverCa.pem, token: TOKEN, route: '/alerts/guardduty' });
    assert.equal(token.status, 401, 'the shared token does not open a route with credentials of its own');
    assert.equal(started.length, before, 'nothing refused started');
    const certified = await post(server.url, {
      ca: serverCa.pem,
      client: siem,
      route: '/alerts/guardduty',
      body: FINDING,
    });
    assert.equal(certified.status, 202, certified.body);
    assert.equal(started.length, before + 1);
    assert.equal(started.at(-1)?.source, 'guardduty');
  });
});
