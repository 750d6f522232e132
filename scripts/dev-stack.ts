// The embedded default that `npm start` runs: Temporal dev server + Web UI, the sandbox clouds,
// one worker process polling every queue, and the webhook. Ctrl-C stops it all; state lives in
// .revoker/, so a second start resumes the playbooks left running.
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { setTimeout as sleep } from 'node:timers/promises';
import { searchAttributeFlags } from '../domain/search-attributes.js';
import { loadAwsSeed, startAwsSimulator, type AwsSimulator } from '../simulators/aws/index.js';
import { ROOT } from './bootstrap.mjs';
import { ensureTemporalCli } from './ensure-temporal-cli.mjs';

const env = process.env;
const ports = {
  temporal: Number(env.REVOKER_TEMPORAL_PORT ?? 7233),
  ui: Number(env.REVOKER_UI_PORT ?? 8233),
  webhook: Number(env.REVOKER_WEBHOOK_PORT ?? 8080),
  aws: Number(env.REVOKER_AWS_SIM_PORT ?? 9101),
};
const STATE_DIR = join(ROOT, '.revoker');
const SANDBOX_SEED = join(ROOT, 'simulators', 'aws', 'fixtures', 'sandbox.json');
const SAMPLE_ALERT = join('examples', 'alerts', 'aws-compromised-user.json');
const RESPONDER = 'revoker-responder';

const children: ChildProcess[] = [];
// The worker and webhook log JSON (for log shippers); a person at a terminal reads it pretty.
const pretty = prettyFactory({ colorize: process.stdout.isTTY, ignore: 'pid,hostname,name', singleLine: true });
let simulator: AwsSimulator | undefined;
let stopping = false;

function say(line: string): void {
  process.stdout.write(`[revoker] ${line}\n`);
}

/** Starts a child with prefixed output; resolves when `readyPattern` shows up in its output. */
function startChild(name: string, command: string, args: string[], childEnv: NodeJS.ProcessEnv, readyPattern: RegExp) {
  const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise<void>((resolve, reject) => {
    let ready = false;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        process.stdout.write(`[${name}] ${line.startsWith('{') ? pretty(line).trimEnd() : line}\n`);
        if (!ready && readyPattern.test(line)) {
          ready = true;
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
      else if (!stopping) {
        say(`${name} stopped unexpectedly (code ${code}); shutting down`);
        void shutdown(1);
      }
    });
  });
}

async function waitForTemporal(address: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.healthService.check({});
      await connection.close();
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s`);
}

function webhookToken(): string {
  const file = join(STATE_DIR, 'webhook-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  mkdirSync(STATE_DIR, { recursive: true });
  const temporalCli = env.TEMPORAL_CLI_PATH ?? ensureTemporalCli();
  const address = `127.0.0.1:${ports.temporal}`;
  const uiUrl = `http://localhost:${ports.ui}`;

  say(`starting Temporal dev server (${temporalCli})`);
  void startChild(
    'temporal',
    temporalCli,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(ports.temporal),
      '--ui-port',
      String(ports.ui),
      '--db-filename',
      join(STATE_DIR, 'temporal.db'),
      '--log-level',
      'error',
      // Off by default in the server; halves each activity hop (DESIGN.md, latency floor).
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=true',
      ...searchAttributeFlags(),
    ],
    env,
    /Server:\s/,
  ).catch((error: unknown) => {
    if (stopping) return;
    say(String(error));
    void shutdown(1);
  });
  await waitForTemporal(address);

  const seed = loadAwsSeed(SANDBOX_SEED);
  simulator = await startAwsSimulator({ port: ports.aws, seed, stateFile: join(STATE_DIR, 'aws-sandbox.json') });
  const responderKey = seed.users.find((u) => u.userName === RESPONDER)?.accessKeys[0];
  if (!responderKey) throw new Error(`${SANDBOX_SEED} has no ${RESPONDER} user with an access key`);

  const common = { ...env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' };
  const tsx = [process.execPath, '--import', 'tsx'] as const;
  await Promise.all([
    startChild(
      'worker',
      tsx[0],
      [...tsx.slice(1), 'worker/main.ts'],
      {
        ...common,
        REVOKER_AWS_ENDPOINT: simulator.endpoint,
        AWS_REGION: 'us-east-1',
        // The sandbox responder's key, exactly as a real deployment passes credentials: the environment.
        AWS_ACCESS_KEY_ID: responderKey.accessKeyId,
        AWS_SECRET_ACCESS_KEY: responderKey.secretAccessKey,
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
      },
      /worker ready/,
    ),
    startChild(
      'webhook',
      tsx[0],
      [...tsx.slice(1), 'client/webhook/main.ts'],
      {
        ...common,
        REVOKER_WEBHOOK_PORT: String(ports.webhook),
        REVOKER_WEBHOOK_TOKEN: webhookToken(),
        REVOKER_UI_URL: uiUrl,
      },
      /listening/,
    ),
  ]);

  const curl = [
    `curl -sS -X POST http://localhost:${ports.webhook}/alerts`,
    `-H "Authorization: Bearer $(cat .revoker/webhook-token)"`,
    `-H 'Content-Type: application/json'`,
    `--data @${SAMPLE_ALERT}`,
  ].join(' ');
  say('');
  say(`Temporal Web UI   ${uiUrl}`);
  say(`Temporal gRPC     ${address}`);
  say(`Webhook           http://localhost:${ports.webhook}/alerts`);
  say(`AWS sandbox       ${simulator.endpoint}  (IAM/STS/S3 simulator, account ${simulator.accountId})`);
  say('');
  say('Post the sample alert:');
  say(`  ${curl}`);
  say('Then approve what waits:  npm run revoker -- status <workflowId>');
  say('');
  say('Revoker is ready. Ctrl-C stops everything.');
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const exits = children
    .filter((child) => child.exitCode === null && child.signalCode === null)
    .map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGINT');
  const timeout = sleep(4_000).then(() => children.forEach((child) => child.kill('SIGKILL')));
  await Promise.race([Promise.all(exits), timeout]);
  await simulator?.close();
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((error: unknown) => {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
