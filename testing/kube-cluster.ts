// A real Kubernetes control plane on loopback for tests and the local stack: etcd, kube-apiserver and
// kube-controller-manager (only its serviceaccount and serviceaccount-token controllers), built from
// the Go module proxy by scripts/ensure-kube.mjs. No scheduler and no kubelet: Pods are accepted and
// stay Pending, which is all token containment needs (a bound token is valid while its Pod exists).
// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureKube, type KubeBinaries } from '../scripts/ensure-kube.mjs';
import { countBy } from '../simulators/shared/mutation-log.js';

/** Who a token or kubeconfig speaks as. */
export type KubeIdentity = 'admin' | 'revoker';

/** An RBAC PolicyRule, as the API takes it. */
export interface KubePolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * What the `revoker` identity may do, cluster-wide (ClusterRole `revoker:containment`): find a stolen
 * service-account token's holders and cut them off, and nothing else. It may read Secrets because a
 * legacy token lives in one; it cannot create tokens, Pods or bindings.
 */
export const REVOKER_CONTAINMENT_RULES: KubePolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch', 'delete', 'create'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['rolebindings', 'clusterrolebindings'],
    verbs: ['get', 'list', 'watch', 'delete'],
  },
];

export interface KubeClusterOptions {
  /**
   * Keep everything here (etcd's data, the CA and keys, the static tokens, the ports) and reuse it on the
   * next start, so tokens and objects survive a restart (`npm start`). Default: a temporary folder that
   * close() removes.
   */
  stateDir?: string;
  /** The binaries; default ensureKube() (KUBE_APISERVER_PATH, KUBE_CONTROLLER_MANAGER_PATH, ETCD_PATH, else the cached build). */
  binaries?: KubeBinaries;
  /** The `revoker` identity's cluster-wide rules; default REVOKER_CONTAINMENT_RULES. */
  revokerRules?: KubePolicyRule[];
  /** How long to wait for the control plane to be ready; default 120 s (it takes about 10 s on 2 idle cores). */
  startTimeoutMs?: number;
}

export interface KubeCluster {
  /** The API server, e.g. `https://127.0.0.1:41234`. */
  server: string;
  /** The PEM of the CA that signed the API server's certificate (and the cluster's root CA for service accounts). */
  caPem: string;
  caPath: string;
  /** Static bearer tokens: `admin` is `kubernetes-admin` in `system:masters`; `revoker` has REVOKER_CONTAINMENT_RULES only. */
  tokens: Readonly<Record<KubeIdentity, string>>;
  adminToken: string;
  /** The user names the tokens authenticate as. */
  users: Readonly<Record<KubeIdentity, string>>;
  /** `iss` of service-account tokens, and the audiences the API server accepts (TokenRequest's default). */
  serviceAccountIssuer: string;
  apiAudiences: string[];
  /** A kubeconfig file (JSON, which any kubeconfig reader takes as YAML) for `identity`. */
  kubeconfigPath(identity: KubeIdentity): string;
  /** Where state, certificates, kubeconfigs and the components' logs (`logs/*.log`) are. */
  dir: string;
  /**
   * The successful writes (`create`, `update`, `patch`, `delete`, `deletecollection`) `identity` (default `revoker`)
   * made since the start or the last resetMutations(), from the API server's audit log, counted by verb and
   * resource (`delete secrets`, `create serviceaccounts/token`): `{}` when it changed nothing, as a dry run must.
   */
  mutations(identity?: KubeIdentity): { counts: Record<string, number>; log: KubeWrite[] };
  /** Every write anyone made since the start or the last resetMutations(), refused ones too (`code`). */
  writes(): KubeWrite[];
  /** Forgets the writes so far: mutations() and writes() count from here. */
  resetMutations(): void;
  /** Where the API server writes its audit log (JSON lines, level Metadata, writes only). */
  auditLogPath: string;
  /** Stops the controller manager, the API server, then etcd (SIGTERM, SIGKILL after 10 s); removes a temporary dir. */
  close(): Promise<void>;
}

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const SERVICE_CIDR = '10.0.0.0/24';
const USERS: Record<KubeIdentity | 'controllerManager', { name: string; uid: string; groups: string[] }> = {
  admin: { name: 'kubernetes-admin', uid: 'kubernetes-admin', groups: ['system:masters'] },
  revoker: { name: 'revoker', uid: 'revoker', groups: [] },
  // The bootstrap RBAC policy binds ClusterRole system:kube-controller-manager to this user: enough for the
  // two controllers, which run with its own credentials (--use-service-account-credentials=false).
  controllerManager: { name: 'system:kube-controller-manager', uid: 'system:kube-controller-manager', groups: [] },
};
const DAY_MS = 86_400_000;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  saKey: string;
  saPub: string;
}

const pemOfKey = (key: webcrypto.CryptoKey): string =>
  KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();

function usable(certPath: string, keyPath: string, ca?: X509Certificate): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    const key = createPrivateKey(readFileSync(keyPath));
    if (!cert.checkPrivateKey(key) || Date.parse(cert.validTo) - Date.now() < DAY_MS) return undefined;
    if (ca && !cert.verify(ca.publicKey)) return undefined;
    return cert;
  } catch {
    return undefined;
  }
}

/** The CA, the API server's serving certificate and the service-account signing key: kept when still good. */
async function ensurePki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const pki: Pki = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
  };
  const now = Date.now();
  let ca = usable(pki.caCert, pki.caKey);
  if (!ca) {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=Revoker test Kubernetes CA',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3650 * DAY_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    writeFileSync(pki.caKey, pemOfKey(keys.privateKey), { mode: 0o600 });
    writeFileSync(pki.caCert, `${cert.toString('pem')}\n`);
    ca = new X509Certificate(cert.toString('pem'));
    rmSync(pki.servingCert, { force: true });
  }
  if (!usable(pki.servingCert, pki.servingKey, ca)) {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const caCert = new x509.X509Certificate(ca.raw);
    const caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      createPrivateKey(readFileSync(pki.caKey)).export({ type: 'pkcs8', format: 'der' }),
      ALGORITHM,
      false,
      ['sign'],
    );
    const cert = await x509.X509CertificateGenerator.create({
      subject: 'CN=kube-apiserver',
      issuer: caCert.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 365 * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'dns', value: 'kubernetes' },
          { type: 'dns', value: 'kubernetes.default' },
          { type: 'dns', value: 'kubernetes.default.svc' },
          { type: 'dns', value: 'kubernetes.default.svc.cluster.local' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
          { type: 'ip', value: '10.0.0.1' },
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      ],
    });
    writeFileSync(pki.servingKey, pemOfKey(keys.privateKey), { mode: 0o600 });
    writeFileSync(pki.servingCert, `${cert.toString('pem')}\n`);
  }
  // RSA, as kubeadm makes it: the API server signs service-account tokens (RS256) with it, the
  // controller manager signs legacy Secret tokens with it, and both verify with the public half.
  if (!existsSync(pki.saKey) || !existsSync(pki.saPub)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(pki.saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pki.saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return pki;
}

type Tokens = Record<keyof typeof USERS, string>;

function ensureTokens(dir: string): Tokens {
  const path = join(dir, 'tokens.json');
  let saved: Partial<Tokens> = {};
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<Tokens>;
  } catch {
    saved = {};
  }
  const fresh = (): string => randomBytes(24).toString('hex');
  const tokens: Tokens = {
    admin: saved.admin ?? fresh(),
    revoker: saved.revoker ?? fresh(),
    controllerManager: saved.controllerManager ?? fresh(),
  };
  writeFileSync(path, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  // --token-auth-file: token,user,uid,"group1,group2"
  const csv = Object.entries(USERS).map(([who, user]) => {
    const line = `${tokens[who as keyof Tokens]},${user.name},${user.uid}`;
    return user.groups.length ? `${line},"${user.groups.join(',')}"` : line;
  });
  writeFileSync(join(dir, 'tokens.csv'), `${csv.join('\n')}\n`, { mode: 0o600 });
  return tokens;
}

function kubeconfig(server: string, caPem: string, user: string, token: string): string {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'revoker-test',
          cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
        },
      ],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: 'revoker-test', user } }],
      'current-context': user,
    },
    null,
    2,
  )}\n`;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

type Ports = Record<'etcdClient' | 'etcdPeer' | 'apiserver', number>;

/** The ports of the last start when still free (a kept state dir keeps its address), else new ones. */
async function ensurePorts(dir: string): Promise<Ports> {
  const path = join(dir, 'ports.json');
  let saved: Partial<Ports> = {};
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<Ports>;
  } catch {
    saved = {};
  }
  const ports = {} as Ports;
  for (const name of ['etcdClient', 'etcdPeer', 'apiserver'] as const) {
    const previous = saved[name];
    ports[name] = previous && (await portIsFree(previous)) ? previous : await freePort();
  }
  writeFileSync(path, `${JSON.stringify(ports)}\n`);
  return ports;
}

export interface ApiResponse {
  status: number;
  body: string;
}

export interface KubeRequestOptions {
  /** The bearer token; none: anonymous. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Default `application/json`; e.g. `application/apply-patch+yaml` for a server-side apply. */
  contentType?: string;
}

/**
 * One call to the API server over TLS to the cluster's own CA, outside any client: the HTTP status and the body
 * as the API server sent them, whatever the status (a stolen token's 401 included).
 */
export function kubeRequest(
  cluster: Pick<KubeCluster, 'server' | 'caPem'>,
  method: string,
  path: string,
  options: KubeRequestOptions = {},
): Promise<ApiResponse> {
  return apiCall(cluster.server, cluster.caPem, method, path, options);
}

function apiCall(
  server: string,
  caPem: string,
  method: string,
  path: string,
  options: KubeRequestOptions = {},
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      new URL(path, server),
      {
        method,
        ca: caPem,
        timeout: 10_000,
        headers: {
          accept: 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'content-type': options.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A write the API server answered, as its audit log records it at level Metadata (no bodies: no tokens). */
export interface KubeWrite {
  /** Who made it, e.g. `revoker`, `kubernetes-admin`, `system:kube-controller-manager`. */
  user: string;
  verb: string;
  /** The resource, with its subresource: `secrets`, `pods`, `serviceaccounts/token`. */
  resource: string;
  namespace?: string;
  name?: string;
  /** The HTTP status the API server answered with. */
  code: number;
  at: string;
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * What kube-apiserver audits (https://kubernetes.io/docs/tasks/debug/cluster/audit/): writes only, at Metadata (who,
 * what, the answer; never a body, so no token reaches the log), once each (ResponseComplete). Left out: reviews that
 * change nothing but are `create`s (TokenReview, SubjectAccessReview and the self-reviews), and the components'
 * own heartbeats (Leases, Events), which would fill the log of a long-running sandbox.
 */
const AUDIT_POLICY = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', resources: [{ group: 'authentication.k8s.io' }, { group: 'authorization.k8s.io' }] },
    {
      level: 'None',
      resources: [
        { group: 'coordination.k8s.io', resources: ['leases'] },
        { group: '', resources: ['events'] },
        { group: 'events.k8s.io', resources: ['events'] },
      ],
    },
    { level: 'Metadata', verbs: WRITE_VERBS },
    { level: 'None' },
  ],
};

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  stageTimestamp?: string;
}

/**
 * Reads the audit log as it grows, from where it last stopped. The API server writes in blocking mode (its
 * default): an event is in the file before the response is sent. A log rotated (--audit-log-maxsize) between two
 * reads loses the events its last part held; the sandbox's is large enough for hours of incidents.
 */
class AuditLog {
  #offset = 0;
  #inode = -1;
  #partial = '';
  #writes: KubeWrite[] = [];

  constructor(readonly path: string) {
    this.#skipToEnd();
  }

  writes(): KubeWrite[] {
    this.#read();
    return this.#writes.map((write) => ({ ...write }));
  }

  reset(): void {
    this.#skipToEnd();
    this.#writes = [];
  }

  #skipToEnd(): void {
    try {
      const fd = openSync(this.path, 'r');
      try {
        const stat = fstatSync(fd);
        this.#inode = stat.ino;
        this.#offset = stat.size;
      } finally {
        closeSync(fd);
      }
    } catch {
      this.#inode = -1;
      this.#offset = 0;
    }
    this.#partial = '';
  }

  #read(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // Nothing audited yet.
    }
    try {
      const stat = fstatSync(fd);
      if (stat.ino !== this.#inode || stat.size < this.#offset) {
        // Rotated: a new file, read from its start.
        this.#inode = stat.ino;
        this.#offset = 0;
        this.#partial = '';
      }
      const length = stat.size - this.#offset;
      if (length <= 0) return;
      const buffer = Buffer.alloc(length);
      const read = readSync(fd, buffer, 0, length, this.#offset);
      this.#offset += read;
      const lines = (this.#partial + buffer.subarray(0, read).toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as AuditEvent;
        if (event.stage !== 'ResponseComplete' || !event.verb || !WRITE_VERBS.includes(event.verb)) continue;
        const ref = event.objectRef ?? {};
        this.#writes.push({
          user: event.user?.username ?? '',
          verb: event.verb,
          resource: ref.subresource ? `${ref.resource ?? ''}/${ref.subresource}` : (ref.resource ?? ''),
          ...(ref.namespace ? { namespace: ref.namespace } : {}),
          ...(ref.name ? { name: ref.name } : {}),
          code: event.responseStatus?.code ?? 0,
          at: event.stageTimestamp ?? '',
        });
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** util-linux's setpriv (Debian's essential util-linux ships it), for --pdeathsig. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

interface Component {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  exitCode?: number | null;
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function startComponent(name: string, binary: string, args: string[], logDir: string): Component {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  // setpriv --pdeathsig: the kernel sends the component SIGTERM when this process dies, however it dies
  // (a killed test runner included), so no control plane outlives its test.
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', binary, ...args], { stdio: ['ignore', fd, fd] })
    : spawn(binary, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const component: Component = {
    name,
    child,
    logPath,
    exited: new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        component.exitCode = code ?? (signal ? -1 : null);
        resolve();
      });
      child.once('error', () => {
        component.exitCode = -1;
        resolve();
      });
    }),
  };
  return component;
}

async function stopComponent(component: Component): Promise<void> {
  if (component.exitCode !== undefined) return;
  component.child.kill('SIGTERM');
  const stopped = await Promise.race([
    component.exited.then(() => true),
    sleep(10_000, false, { ref: false }), // unref'd: a stopped component leaves no timer behind
  ]);
  if (!stopped) {
    component.child.kill('SIGKILL');
    await component.exited;
  }
}

/** Polls `check` until it is true; fails at once, with its log, when one of `components` exits. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  components: Component[],
  deadline: number,
): Promise<void> {
  let lastError = '';
  for (;;) {
    const dead = components.find((component) => component.exitCode !== undefined);
    if (dead) {
      throw new Error(`${dead.name} exited (${dead.exitCode}) while waiting for ${what}:\n${tail(dead.logPath)}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const logs = components.map((component) => `--- ${component.logPath}\n${tail(component.logPath, 15)}`);
      throw new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}\n${logs.join('\n')}`,
      );
    }
    await sleep(200);
  }
}

/** Starts etcd, kube-apiserver and kube-controller-manager on loopback; resolves once the API serves and the `default` ServiceAccount exists. */
export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const binaries = options.binaries ?? (await ensureKube());
  const temporary = options.stateDir === undefined;
  const dir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'revoker-kube-'));
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  const components: Component[] = [];
  const killAll = (): void => {
    for (const component of components) if (component.exitCode === undefined) component.child.kill('SIGKILL');
  };
  // A test process that dies without close() must not leave a control plane behind.
  process.once('exit', killAll);
  const stopAll = async (): Promise<void> => {
    process.removeListener('exit', killAll);
    const [etcd, ...rest] = components;
    await Promise.all(rest.map(stopComponent));
    if (etcd) await stopComponent(etcd);
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(dir, { recursive: true });
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const pki = await ensurePki(join(dir, 'pki'));
    const tokens = ensureTokens(dir);
    const ports = await ensurePorts(dir);
    const caPem = readFileSync(pki.caCert, 'utf8');
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfigs = {
      admin: join(dir, 'admin.kubeconfig'),
      revoker: join(dir, 'revoker.kubeconfig'),
      controllerManager: join(dir, 'controller-manager.kubeconfig'),
    };
    for (const who of Object.keys(kubeconfigs) as (keyof typeof kubeconfigs)[]) {
      writeFileSync(kubeconfigs[who], kubeconfig(server, caPem, USERS[who].name, tokens[who]), { mode: 0o600 });
    }

    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const etcd = startComponent(
      'etcd',
      binaries.etcd,
      [
        '--name=revoker-test',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=revoker-test=${peerUrl}`,
        '--log-level=warn',
        // A throwaway cluster need not survive a power cut; a kept one (stateDir) fsyncs as usual.
        ...(temporary ? ['--unsafe-no-fsync'] : []),
      ],
      logDir,
    );
    components.push(etcd);
    await waitFor(
      'etcd /health',
      async () => {
        const res = await fetch(`${etcdUrl}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      components,
      deadline,
    );

    const auditLogPath = join(logDir, 'audit.log');
    const auditPolicyPath = join(dir, 'audit-policy.json');
    writeFileSync(auditPolicyPath, `${JSON.stringify(AUDIT_POLICY, null, 2)}\n`);
    const apiserver = startComponent(
      'kube-apiserver',
      binaries.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${join(dir, 'pki')}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=Node,RBAC',
        `--service-account-issuer=${ISSUER}`,
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        `--api-audiences=${ISSUER}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        // The `kubernetes` Service's endpoints would be 127.0.0.1, which EndpointSlices refuse: keep none.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        // Every write, so a test can show what Revoker changed (mutations()) and that a dry run changed nothing.
        `--audit-policy-file=${auditPolicyPath}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-maxsize=100',
        '--audit-log-maxbackup=1',
      ],
      logDir,
    );
    components.push(apiserver);
    // Started at once: it waits for the API server itself, which saves a few seconds.
    const controllerManager = startComponent(
      'kube-controller-manager',
      binaries.kubeControllerManager,
      [
        `--kubeconfig=${kubeconfigs.controllerManager}`,
        '--controllers=serviceaccount,serviceaccount-token',
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        '--use-service-account-credentials=false',
        '--leader-elect=false',
        // No HTTPS endpoint of its own: readiness is the `default` ServiceAccount it creates.
        '--secure-port=0',
      ],
      logDir,
    );
    components.push(controllerManager);
    const call = (method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResponse> =>
      apiCall(server, caPem, method, path, { token: tokens.admin, body, contentType });
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await call('GET', '/readyz')).status === 200,
      components,
      deadline,
    );

    // Server-side apply: idempotent across restarts of a kept state dir.
    const apply = async (path: string, object: unknown): Promise<void> => {
      const res = await call(
        'PATCH',
        `${path}?fieldManager=revoker-kube-cluster&force=true`,
        object,
        'application/apply-patch+yaml',
      );
      if (res.status >= 300) throw new Error(`applying ${path} failed: ${res.status} ${res.body}`);
    };
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    await apply(`${rbac}/clusterroles/revoker:containment`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'revoker:containment' },
      rules: options.revokerRules ?? REVOKER_CONTAINMENT_RULES,
    });
    await apply(`${rbac}/clusterrolebindings/revoker:containment`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'revoker:containment' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'revoker:containment' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USERS.revoker.name }],
    });
    await waitFor(
      'the serviceaccount controller (ServiceAccount default/default)',
      async () => (await call('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
      components,
      deadline,
    );

    // From here on: the bootstrap's writes (and a kept state dir's earlier runs) are not counted.
    const audit = new AuditLog(auditLogPath);
    const mutations = (identity: KubeIdentity = 'revoker') => {
      const log = audit.writes().filter((w) => w.user === USERS[identity].name && w.code >= 200 && w.code < 300);
      return { counts: countBy(log, (w) => `${w.verb} ${w.resource}`), log };
    };
    let closed: Promise<void> | undefined;
    return {
      server,
      caPem,
      caPath: pki.caCert,
      tokens: { admin: tokens.admin, revoker: tokens.revoker },
      adminToken: tokens.admin,
      users: { admin: USERS.admin.name, revoker: USERS.revoker.name },
      serviceAccountIssuer: ISSUER,
      apiAudiences: [ISSUER],
      kubeconfigPath: (identity) => kubeconfigs[identity],
      dir,
      mutations,
      writes: () => audit.writes(),
      resetMutations: () => audit.reset(),
      auditLogPath,
      close: () => (closed ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
