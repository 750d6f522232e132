import { WorkflowNotFoundError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROGRAM, runCli } from '../../client/cli/program.js';
import { connectGateway } from '../../client/cli/temporal-gateway.js';
import type { Harness } from '../harness.js';
import {
  alertAbout,
  awsUser,
  historyText,
  incidentId,
  settled,
  useSandbox,
  waitForStatus,
  webhookPoster,
} from './helpers.js';

/** The webhook and the CLI against the real dev server and worker, as a SIEM and a responder use them. */
describe('webhook and CLI on a real Temporal server', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  const webhook = webhookPoster(() => h);
  const post = (body: unknown, token?: string) => webhook('/alerts', body, token);

  it('starts a playbook for a valid alert and none for an invalid or unauthenticated one', async () => {
    const invalid = { ...alertAbout([awsUser('webhook-invalid')]), severity: 'urgent' };
    assert.equal((await post(invalid)).status, 422);
    assert.equal((await post(alertAbout([awsUser('webhook-unauthenticated')]), 'wrong')).status, 401);
    for (const user of ['webhook-invalid', 'webhook-unauthenticated']) {
      await assert.rejects(
        h.client.workflow.getHandle(incidentId(h, [awsUser(user)])).describe(),
        WorkflowNotFoundError,
      );
    }

    const reply = await post(alertAbout([awsUser('alice')], 'medium'));
    assert.equal(reply.status, 202);
    const body = (await reply.json()) as { workflowId: string; runId: string; uiUrl: string };
    const handle = playbooks.handle(body.workflowId);
    assert.equal((await handle.describe()).runId, body.runId);
    assert.match(body.uiUrl, /^http:\/\/ui\/namespaces\/default\/workflows\//);
    await waitForStatus(handle, settled);
    const history = await historyText(handle);
    assert.match(history, /"userName":"alice"/, 'the decoded payloads are what we think they are');
    assert.equal(history.includes('e2e-token'), false, 'the webhook credential stays out of the history');
  });

  it('refuses at once, with the reason, a CLI decision naming an action the playbook does not have', async () => {
    const { workflowId } = await h.start(alertAbout([awsUser('alice')], 'medium'));
    const handle = playbooks.handle(workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    process.env.TEMPORAL_ADDRESS = h.env.address;
    const out: string[] = [];
    const io = {
      connect: () => connectGateway(PROGRAM),
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => out.push(t),
      env: {},
    };

    assert.equal(await runCli(['pending'], io), 0);
    assert.match(out.join(''), new RegExp(`${workflowId.replace(/[+/]/g, '.')}[\\s\\S]*waits: aws:delete-key:`));

    out.length = 0;
    const code = await runCli(
      ['approve', workflowId, '--actions', 'aws:delete-key:AKIANOTINTHEPLAN0000', '--as', 'cli@example.com'],
      io,
    );
    assert.equal(code, 1);
    assert.match(out.join(''), /refused the approve: unknown action ids: aws:delete-key:AKIANOTINTHEPLAN0000/);
    assert.deepEqual(h.aws.mutations().counts, {});
    const status = await waitForStatus(handle, () => true);
    assert.equal(status.decisions.length, 0, 'a refused Update leaves no trace in the playbook');
  });

  it('approves from the CLI and follows the steps until they are verified', async () => {
    const { workflowId } = await h.start(alertAbout([awsUser('alice')], 'medium'));
    const handle = playbooks.handle(workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));

    const out: string[] = [];
    const cli = (...args: string[]) =>
      runCli(args, {
        connect: () => connectGateway(PROGRAM),
        stdout: (text) => out.push(text),
        stderr: (text) => out.push(text),
        env: {},
      });
    process.env.TEMPORAL_ADDRESS = h.env.address;
    // The id is a keyed hash; the list names whom the incident is about, decoded from its encrypted memo.
    assert.equal(await cli('list'), 0, out.join(''));
    const row = out
      .join('')
      .split('\n')
      .find((line) => line.includes(workflowId));
    assert.ok(!workflowId.includes('alice'), workflowId);
    assert.match(row ?? '', /IAM user alice \(123456789012\)/, out.join(''));
    // The incident's short handle leads its row, and the CLI takes it (in any case) in place of the id.
    const { handle: short } = await waitForStatus(handle, (s) => s.handle !== undefined);
    assert.match(short ?? '', /^INC-[0-9A-HJKMNP-TV-Z]{6}$/);
    assert.ok(row?.startsWith(short ?? '?'), row);
    out.length = 0;
    assert.equal(await cli('status', (short ?? '').toLowerCase()), 0, out.join(''));
    assert.match(out.join(''), new RegExp(`^Incident ${short}  \\(${workflowId.replace(/[.+]/g, '\\$&')}\\)`));
    assert.match(out.join(''), new RegExp(`revoker approve ${short} --all`), 'the printed commands use the handle');
    out.length = 0;
    assert.equal(await cli('status', workflowId.slice(0, -1)), 0, 'a unique start of the id');
    assert.match(out.join(''), new RegExp(`Incident ${short}`));
    out.length = 0;
    assert.equal(await cli('status', 'INC-000000'), 2);
    assert.match(out.join(''), /No incident INC-000000: check the handle/);
    out.length = 0;
    const other = playbooks.handle((await h.start(alertAbout([awsUser('cli-other')], 'medium'))).workflowId);
    await waitForStatus(other, (s) => s.handle !== undefined);
    assert.equal(await cli('status', 'contain/'), 2, 'the start of two ids names neither');
    assert.match(out.join(''), /contain\/ is the start of \d+/);
    out.length = 0;
    const code = await cli('approve', short ?? '', '--all', '--as', 'cli@example.com', '--reason', 'user confirms');
    assert.equal(code, 0, out.join(''));
    assert.match(out.join(''), /cli@example\.com approved/);
    assert.match(out.join(''), /All 5 finished/);
    for (const key of h.seed.users.find((u) => u.userName === 'alice')?.accessKeys ?? []) {
      assert.equal(h.aws.accessKey(key.accessKeyId), undefined);
    }

    out.length = 0;
    assert.equal(await cli('pending'), 0);
    assert.doesNotMatch(out.join(''), new RegExp(workflowId), 'nothing of it waits any more');

    // The steps are verified; the playbook is Contained once each step's ledger has its record (a moment later).
    await waitForStatus(handle, (s) => s.state === 'Contained');
    out.length = 0;
    assert.equal(await cli('status', workflowId), 0);
    assert.match(out.join(''), /state\s+Contained/);
    assert.equal(await cli('status', 'contain/aws/123456789012/user/nobody'), 2);
    assert.match(out.join(''), /No playbook with id contain\/aws\/123456789012\/user\/nobody/);
  });
});
