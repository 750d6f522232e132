// A real Temporal cluster on this machine, for the cluster test: PostgreSQL (Debian's) with the schema set up by the
// server's own temporal-sql-tool, and the Temporal server built from go.temporal.io/server (every service in one
// process, scripts/ensure-temporal-server.mjs), not the dev server. Its frontend serves TLS with a test CA and checks
// every call's API key: a JWT signed by a key this module serves as a JWKS, mapped to namespace roles by the server's
// default authorizer, as a self-hosted cluster behind an identity provider (or Temporal Cloud with API keys) is
// reached. Clients connect through a config.toml profile (Temporal's environment configuration) and nothing else.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ensureTemporalCli } from '../../scripts/ensure-temporal-cli.mjs';
import { ensureTemporalServer, findCachedServer } from '../../scripts/ensure-temporal-server.mjs';
import { defaultSandboxCaDir, ensureSandboxCa } from '../../simulators/entra/index.js';
import { freePort } from '../../testing/stack.js';

/** A namespace the cluster is made with (registered by the Temporal CLI, as an operator would). */
export interface ClusterNamespace {
  name: string;
  retentionDays: number;
}

export interface Cluster {
  /** The frontend, `localhost:<port>` (TLS: the sandbox CA's certificate names localhost). */
  address: string;
  /** The config.toml with a profile per identity below (TEMPORAL_CONFIG_FILE). */
  configFile: string;
  /** The sandbox CA the frontend's certificate is signed by. */
  caCertPath: string;
  /**
   * The config.toml profiles: `admin` (temporal-system:admin: creates namespaces), and one per namespace, named after it, whose
   * API key grants that namespace's admin role alone (what Revoker's processes and `revoker setup` run with).
   */
  profiles: string[];
  /** What a process needs to connect with `profile`: TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE, no other TEMPORAL_*. */
  envFor(profile: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs the Temporal CLI as a client of the cluster with `profile` (e.g. `operator namespace describe`). */
  temporal(profile: string, args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Seconds the first build of the server took, when this start built it; 0 when it was cached. */
  builtSeconds: number;
  /** Stops the server, then PostgreSQL, and removes their data. */
  close(): Promise<void>;
}

const PG_USER = 'temporal';

/** Starts PostgreSQL, sets up both schemas, starts the server and registers `namespaces`; about 15 s once built. */
export async function startCluster({ namespaces }: { namespaces: ClusterNamespace[] }): Promise<Cluster> {
  const cached = findCachedServer() !== undefined;
  const before = Date.now();
  const parts = ensureTemporalServer();
  const builtSeconds = cached ? 0 : Math.round((Date.now() - before) / 1000);
  const cli = ensureTemporalCli();
  const tls = await ensureSandboxCa(defaultSandboxCaDir());
  const dir = mkdtempSync(join(tmpdir(), 'revoker-cluster-'));
  // PostgreSQL runs as an unprivileged account, which must reach its data directory under this one.
  chmodSync(dir, 0o755);
  const closers: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const pgPort = await freePort();
    const password = randomBytes(18).toString('base64url');
    startPostgres(parts.postgres, dir, pgPort, password, closers);

    const sql = (database: string, ...args: string[]) => {
      const run = spawnSync(
        parts.sqlTool,
        [
          '--plugin',
          'postgres12',
          '--ep',
          '127.0.0.1',
          '-p',
          String(pgPort),
          '-u',
          PG_USER,
          '--pw',
          password,
          '--db',
          database,
          ...args,
        ],
        { encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(`temporal-sql-tool ${args.join(' ')} on ${database}:\n${run.stderr}`);
    };
    for (const [database, schema] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      sql(database, 'create-database', '--defaultdb', 'postgres');
      sql(database, 'setup-schema', '-v', '0.0');
      sql(database, 'update-schema', '-d', join(parts.schemaDir, schema, 'versioned'));
    }

    const jwks = await startJwks(closers);
    const ports = Object.fromEntries(
      await Promise.all(PORT_NAMES.map(async (name) => [name, await lowFreePort()] as const)),
    ) as Record<(typeof PORT_NAMES)[number], number>;
    const address = `localhost:${ports.frontend}`;
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
    writeFileSync(
      join(dir, 'config', 'cluster.yaml'),
      serverConfig({ pgPort, password, ports, tls, jwksUrl: jwks.url, dynamicConfig: join(dir, 'dynamicconfig.yaml') }),
    );
    const server = spawn(
      parts.server,
      [
        '--root',
        dir,
        '--config',
        'config',
        '--env',
        'cluster',
        'start',
        ...['frontend', 'internal-frontend', 'history', 'matching', 'worker'].flatMap((s) => ['--service', s]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log: string[] = [];
    const keep = (chunk: Buffer) => {
      log.push(chunk.toString());
      if (log.length > 200) log.shift();
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    closers.push(() => stopProcess(server));

    // Identities: the operator's (every namespace), and one per namespace with its admin role alone.
    const tokens: Record<string, string> = { admin: await jwks.sign('operator', ['temporal-system:admin']) };
    for (const ns of namespaces) tokens[ns.name] = await jwks.sign(`revoker@${ns.name}`, [`${ns.name}:admin`]);
    const configFile = join(dir, 'temporal.toml');
    writeFileSync(
      configFile,
      Object.entries(tokens)
        .map(([profile, token]) =>
          [
            `[profile.${JSON.stringify(profile)}]`,
            `address = ${JSON.stringify(address)}`,
            `namespace = ${JSON.stringify(profile === 'admin' ? (namespaces[0]?.name ?? 'default') : profile)}`,
            `api_key = ${JSON.stringify(token)}`,
            `[profile.${JSON.stringify(profile)}.tls]`,
            `server_ca_cert_path = ${JSON.stringify(tls.caCertPath)}`,
            `server_name = "localhost"`,
            '',
          ].join('\n'),
        )
        .join('\n'),
      { mode: 0o600 },
    );
    const envFor = (profile: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({
      ...Object.fromEntries(Object.entries(base).filter(([name]) => !name.startsWith('TEMPORAL_'))),
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: profile,
    });
    const temporal = (profile: string, args: string[]) => {
      const run = spawnSync(cli, args, { env: envFor(profile), encoding: 'utf8', timeout: 60_000 });
      return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
    };

    // The server answers once its services have joined; the namespace registry is read through the frontend.
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (server.exitCode !== null)
        throw new Error(`the Temporal server exited (${server.exitCode}):\n${log.join('')}`);
      const probe = temporal('admin', ['operator', 'cluster', 'health']);
      if (probe.status === 0 && /SERVING/.test(probe.stdout)) break;
      if (Date.now() > deadline) {
        throw new Error(`the Temporal server did not serve in 90 s: ${probe.stderr}\n${log.slice(-40).join('')}`);
      }
      await sleep(500);
    }
    for (const ns of namespaces) {
      const made = temporal('admin', [
        'operator',
        'namespace',
        'create',
        '--namespace',
        ns.name,
        '--retention',
        `${ns.retentionDays}d`,
      ]);
      if (made.status !== 0) {
        throw new Error(`temporal operator namespace create ${ns.name}: ${made.stderr}\n${log.slice(-20).join('')}`);
      }
    }
    return {
      address,
      configFile,
      caCertPath: tls.caCertPath,
      profiles: Object.keys(tokens),
      envFor,
      temporal,
      builtSeconds,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

const PORT_NAMES = [
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'internalFrontend',
  'internalFrontendHttp',
  'internalFrontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
] as const;

// What Revoker uses beyond a plain server's defaults; the dev server turns the same on.
const DYNAMIC_CONFIG = `# Revoker's intake starts playbooks with Update-with-Start.
frontend.enableExecuteMultiOperation:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
# Off by default in the server; halves each activity hop, as under \`npm start\`.
system.enableActivityEagerExecution:
  - value: true
# A search attribute registered by \`revoker setup\` is usable at once, not after the cache's refresh.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

/** The server's static configuration (the shape of the release's config/development-postgres12.yaml and docker.yaml). */
function serverConfig({
  pgPort,
  password,
  ports,
  tls,
  jwksUrl,
  dynamicConfig,
}: {
  pgPort: number;
  password: string;
  ports: Record<(typeof PORT_NAMES)[number], number>;
  tls: { caCertPath: string; certPath: string; keyPath: string };
  jwksUrl: string;
  dynamicConfig: string;
}): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "127.0.0.1:${pgPort}"
        connectProtocol: tcp
        user: ${PG_USER}
        password: ${JSON.stringify(password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const rpc = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: 127.0.0.1${http ? `\n      httpPort: ${http}` : ''}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:${store('temporal', 20)}
    visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  pprof:
    port: 0
  tls:
    frontend:
      server:
        certFile: ${tls.certPath}
        keyFile: ${tls.keyPath}
        requireClientAuth: false
      client:
        serverName: localhost
        rootCaFiles:
          - ${tls.caCertPath}
  authorization:
    jwtKeyProvider:
      keySourceURIs:
        - ${jwksUrl}
      refreshInterval: 1m
    permissionsClaimName: permissions
    authorizer: default
    claimMapper: default
services:
  frontend:${rpc(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  # The server's own workers (the worker service) call this one: inside the cluster, without the API key.
  internal-frontend:${rpc(ports.internalFrontend, ports.internalFrontendMembership, ports.internalFrontendHttp)}
  history:${rpc(ports.history, ports.historyMembership)}
  matching:${rpc(ports.matching, ports.matchingMembership)}
  worker:${rpc(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "localhost:${ports.frontend}"
      httpAddress: "localhost:${ports.frontendHttp}"
dcRedirectionPolicy:
  policy: noop
archival:
  history:
    state: disabled
  visibility:
    state: disabled
namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled
dynamicConfigClient:
  filepath: ${dynamicConfig}
  pollInterval: 10s
`;
}

/** initdb and pg_ctl start as PostgreSQL's own account (it refuses root), on a loopback port, with password auth. */
function startPostgres(
  postgres: { bin: string; user?: string },
  dir: string,
  port: number,
  password: string,
  closers: (() => Promise<void> | void)[],
): void {
  const data = join(dir, 'pgdata');
  const socketDir = join(dir, 'pgsocket');
  const pwfile = join(dir, 'pgpass');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(socketDir);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (postgres.user) {
    const uid = Number(spawnSync('id', ['-u', postgres.user], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', postgres.user], { encoding: 'utf8' }).stdout.trim());
    for (const path of [data, socketDir, pwfile]) chownSync(path, uid, gid);
  }
  const as = (tool: string, args: string[]) => {
    const [command, prefix] = postgres.user
      ? ['runuser', ['-u', postgres.user, '--', join(postgres.bin, tool)]]
      : [join(postgres.bin, tool), []];
    const run = spawnSync(command, [...prefix, ...args], { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  };
  as('initdb', [
    '-D',
    data,
    '-U',
    PG_USER,
    `--pwfile=${pwfile}`,
    '--auth-local=scram-sha-256',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  // A test's database: losing it in a power cut costs nothing, and fsync on shared disks costs the other tests.
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${socketDir} -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  as('pg_ctl', ['-D', data, '-o', options, '-l', join(socketDir, 'postgres.log'), '-w', '-t', '60', 'start']);
  closers.push(() => as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']));
}

/** A JWKS on a loopback port (the server's jwtKeyProvider reads it) and a function that signs tokens with its key. */
async function startJwks(closers: (() => Promise<void> | void)[]) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    sign: (subject: string, permissions: string[]) =>
      new SignJWT({ permissions })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime('4h')
        .sign(privateKey),
  };
}

/**
 * A free port below 32768: the cluster_membership table stores the services' ports as a smallint, so one from the
 * OS's ephemeral range (32768 and up on Linux) stops the server at start.
 */
async function lowFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
