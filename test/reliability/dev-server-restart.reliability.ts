// `npm run test:reliability`: the whole `npm start` stack (scripts/dev-stack.ts: the Temporal dev server on its
// SQLite file, the sandbox clouds, the worker and the webhook, each a real process) is stopped while a three-cloud
// playbook waits for approval, then started again on the same state directory. The playbook must still wait, take
// the approval, and contain every principal. Once with Ctrl-C (SIGINT, the stack's own shutdown) and once with
// kill -9 of every process of the stack, mid-wait.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClient } from '../../connect/temporal-connection.js';
import { statusQuery } from '../../domain/messages.js';
import { freePort } from '../../testing/stack.js';
import { recordFigure } from './figures.js';
import { untilOutput } from './release.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = readFileSync(join(ROOT, 'examples', 'alerts', 'mixed-cloud.json'), 'utf8');
const READY = /Revoker is ready/;

interface Stack {
  child: ChildProcess;
  output: string[];
}

/** `npm start`'s stack in its own process group (so kill -9 reaches the dev server, worker and webhook too). */
async function startStack(env: NodeJS.ProcessEnv): Promise<Stack> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev-stack.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await untilOutput(child, READY, 'the stack', 180_000);
  child.removeAllListeners('exit');
  return { child, output };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops the stack: its own Ctrl-C shutdown, or kill -9 of its whole process group. */
async function stopStack(stack: Stack, how: 'SIGINT' | 'SIGKILL'): Promise<void> {
  const pid = stack.child.pid;
  assert.ok(pid);
  if (how === 'SIGINT') stack.child.kill('SIGINT');
  else process.kill(-pid, 'SIGKILL');
  await exited(stack.child);
  if (how === 'SIGINT') return;
  // The group's other processes (dev server, worker, webhook) die with it; wait until the group is gone.
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error('the stack’s processes outlived kill -9');
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(
    `timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
  );
}

const stateDirs: string[] = [];
const stacks: Stack[] = [];
const clients: Client[] = [];
after(async () => {
  for (const client of clients) await client.connection.close().catch(() => undefined);
  for (const stack of stacks) {
    if (stack.child.exitCode === null && stack.child.signalCode === null && stack.child.pid) {
      try {
        process.kill(-stack.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start restarted on its state while a playbook waits for approval', { timeout: 15 * 60_000 }, () => {
  for (const how of ['SIGINT', 'SIGKILL'] as const) {
    it(`survives ${how === 'SIGINT' ? 'Ctrl-C' : 'kill -9 of every process'} and proceeds on approval`, async () => {
      const stateDir = mkdtempSync(join(tmpdir(), 'revoker-restart-'));
      stateDirs.push(stateDir);
      const ports = {
        REVOKER_TEMPORAL_PORT: await freePort(),
        REVOKER_UI_PORT: await freePort(),
        REVOKER_WEBHOOK_PORT: await freePort(),
        REVOKER_AWS_SIM_PORT: await freePort(),
        REVOKER_ENTRA_SIM_PORT: await freePort(),
        REVOKER_GCP_SIM_PORT: await freePort(),
        REVOKER_IDENTITY_SIM_PORT: await freePort(),
        REVOKER_WORKSPACE_SIM_PORT: await freePort(),
      };
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        REVOKER_STATE_DIR: stateDir,
      };
      const first = await startStack(env);
      stacks.push(first);

      const token = readFileSync(join(stateDir, 'webhook-token'), 'utf8').trim();
      const reply = await fetch(`http://127.0.0.1:${ports.REVOKER_WEBHOOK_PORT}/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: SAMPLE,
      });
      assert.equal(reply.status, 202, await reply.clone().text());
      const { workflowId } = (await reply.json()) as { workflowId: string };

      process.env.TEMPORAL_ADDRESS = `127.0.0.1:${ports.REVOKER_TEMPORAL_PORT}`;
      process.env.TEMPORAL_NAMESPACE = 'default';
      // History is encrypted with the stack's payload key, kept in its state directory.
      process.env.REVOKER_PAYLOAD_KEYS_FILE = join(stateDir, 'payload-keys');
      const status = async (client: Client) => client.workflow.getHandle(workflowId).query(statusQuery);
      const client = await connectClient();
      clients.push(client);
      const waiting = await until('the playbook to wait for approval', async () => {
        const s = await status(client);
        return s.state === 'AwaitingApproval' ? s : undefined;
      });
      const awaiting = waiting.actions.filter((a) => a.status === 'awaiting-approval').map((a) => a.action.id);
      assert.ok(awaiting.length > 0, 'some steps wait for approval');

      // responder@example.com's own link, from the direct message the first stack printed: it must still decide
      // after the restart (the link secret and the decision seal's key are kept in the state directory).
      const link = await until("the approver's link in the sandbox chat", () =>
        Promise.resolve(/Approve as responder@example\.com: (\S+)/.exec(first.output.join(''))?.[1]),
      );

      const stoppedAt = Date.now();
      await stopStack(first, how);
      await client.connection.close();
      const second = await startStack(env);
      stacks.push(second);
      const readyMs = Date.now() - stoppedAt;

      const again = await connectClient();
      clients.push(again);
      const resumed = await until('the playbook after the restart', () => status(again));
      assert.equal(resumed.state, 'AwaitingApproval', 'it still waits after the restart');
      assert.deepEqual(
        resumed.actions.filter((a) => a.status === 'awaiting-approval').map((a) => a.action.id),
        awaiting,
        'the same steps wait',
      );
      const recoverMs = Date.now() - stoppedAt;

      const opened = await fetch(link, { method: 'POST', headers: { accept: 'application/json' } });
      const answer = (await opened.json()) as { kind: string; decision?: { verifiedBy?: string; actions: string[] } };
      assert.equal(opened.status, 200, JSON.stringify(answer));
      assert.equal(answer.decision?.verifiedBy, 'link', 'the link sent before the restart decides, verified');
      assert.deepEqual([...(answer.decision?.actions ?? [])].sort(), [...awaiting].sort(), 'every waiting step');
      const contained = await until('containment after approval', async () => {
        const s = await status(again);
        return ['Contained', 'PartiallyContained', 'NotContained'].includes(s.state) ? s : undefined;
      });
      const unfinished = contained.actions.filter((a) => !['done', 'already', 'skipped'].includes(a.status));
      assert.equal(contained.state, 'Contained', JSON.stringify(unfinished, null, 2));
      const done = contained.actions.filter((a) => a.status === 'done');
      const principals = new Set(done.map((a) => a.action.principal));
      const providers = new Set(done.map((a) => a.action.provider));
      assert.ok(principals.size >= 3, `steps done for several principals: ${[...principals].join(', ')}`);
      assert.deepEqual([...providers].sort(), ['aws', 'entra', 'gcp'], 'steps done on each cloud');

      recordFigure({
        scenario: `npm start ${how === 'SIGINT' ? 'Ctrl-C' : 'kill -9'} + restart during approval wait`,
        runs: 1,
        lost: contained.state === 'Contained' ? 0 : 1,
        // Each step ran once: a second attempt of a step whose write landed would say `already` (or `done` twice).
        duplicated: contained.actions.filter((a) => a.status === 'already').length,
        fiveXx: 0,
        recoverMs,
        note: `stack ready again in ${(readyMs / 1000).toFixed(1)} s`,
      });
      await stopStack(second, 'SIGINT');
    });
  }
});
