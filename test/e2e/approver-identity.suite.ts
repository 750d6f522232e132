import type { WorkflowHandle } from '@temporalio/client';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROGRAM, runCli } from '../../client/cli/program.js';
import { connectGateway } from '../../client/cli/temporal-gateway.js';
import { decisionSealer } from '../../connect/decision-seal.js';
import { signLinkToken } from '../../connect/link-token.js';
import type { DecideRequest } from '../../domain/decision.js';
import { decideUpdate, statusQuery } from '../../domain/messages.js';
import type { Policy } from '../../domain/policy.js';
import type { PlaybookStatus } from '../../domain/report.js';
import { TEST_POLICY, type Harness } from '../harness.js';
import { alertAbout, approve, awsUser, result, settled, statusOf, useSandbox, waitForStatus } from './helpers.js';

/** sam (also known as samuel@corp.example) and kim decide everything; deleting a key needs two people. */
const policyOf = (trustedIdentities: Policy['trustedIdentities']): Policy => ({
  ...TEST_POLICY,
  fourEyes: 2,
  ...(trustedIdentities ? { trustedIdentities } : {}),
  approvers: {
    groups: { soc: ['sam@example.com', 'kim@example.com'] },
    default: ['soc'],
    byAction: {},
    aliases: { 'sam@example.com': ['samuel@corp.example'] },
  },
});

describe('approver identity: four eyes is two people, whatever the path', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => {
    h = ready;
    h.notifications.clear();
  });
  const aliceKeys = () => h.seed.users.find((u) => u.userName === 'alice')?.accessKeys.map((k) => k.accessKeyId) ?? [];
  const deletesOf = () => aliceKeys().map((k) => `aws:delete-key:${k}`);

  async function waiting(trusted: Policy['trustedIdentities']) {
    const started = await h.start(alertAbout([awsUser('alice')], 'medium'), { policy: policyOf(trusted) });
    const handle = playbooks.handle(started.workflowId);
    await waitForStatus(handle, (s) => s.state === 'AwaitingApproval' && settled(s));
    return { handle, runId: started.runId };
  }

  /** `revoker approve` with an identity token from the sandbox's issuer: the CLI path under oidc. */
  async function cliAs(email: string | undefined, args: string[]) {
    const out: string[] = [];
    const env = {
      REVOKER_PUBLIC_URL: h.links.baseUrl,
      ...(email ? { REVOKER_IDENTITY_TOKEN: await h.identity.issue(email) } : {}),
    };
    process.env.TEMPORAL_ADDRESS = h.env.address;
    // The CLI reads the payload keys from the process environment, as a responder's shell holds them.
    const keys = process.env.REVOKER_PAYLOAD_KEYS;
    process.env.REVOKER_PAYLOAD_KEYS = [...h.payloads.keys.all]
      .map(([id, key]) => `${id}:${key.toString('base64')}`)
      .join(',');
    try {
      const code = await runCli(args, {
        connect: () => connectGateway(PROGRAM),
        stdout: (text) => out.push(text),
        stderr: (text) => out.push(text),
        env,
      });
      return { code, out: out.join('') };
    } finally {
      if (keys === undefined) delete process.env.REVOKER_PAYLOAD_KEYS;
      else process.env.REVOKER_PAYLOAD_KEYS = keys;
    }
  }

  /** The approver's own link from their direct messages. */
  async function linkOf(workflowId: string, approver: string): Promise<string> {
    const pattern = new RegExp(`\\[Approve as ${approver.replaceAll('.', '\\.')}\\]\\((\\S+?)\\)`);
    for (let i = 0; i < 300; i++) {
      const message = h.notifications.inbox(approver).find((m) => m.text.includes(encodeURIComponent(workflowId)));
      const url = message && pattern.exec(message.text)?.[1];
      if (url) return url;
      await sleep(50);
    }
    throw new Error(`no link for ${approver}`);
  }
  const post = async (url: string) => {
    const response = await fetch(url, { method: 'POST', headers: { Accept: 'application/json' } });
    return { status: response.status, body: (await response.json()) as { error?: string; left?: { why: string }[] } };
  };
  const decide = (handle: WorkflowHandle, request: DecideRequest) =>
    handle.executeUpdate(decideUpdate, { args: [request] });

  const stillWaiting = (status: PlaybookStatus) => {
    for (const id of deletesOf()) {
      assert.equal(statusOf(status, id).decidedBy, undefined, `${id} still waits for a second person`);
    }
  };

  describe('trustedIdentities: oidc', () => {
    it("refuses the UI's Signal and an Update naming an approver nobody verified, for every step", async () => {
      const { handle } = await waiting('oidc');
      await approve(handle, { approver: 'sam@example.com', actions: 'all' });
      const status = await waitForStatus(handle, (s) => s.decisions.length > 0);
      assert.match(status.decisions[0]?.ignored ?? '', /trustedIdentities: oidc/);
      assert.ok(
        status.actions.every((r) => !r.approvals?.length),
        'a Signal approves nothing, not even one-approval steps',
      );
      await assert.rejects(
        decide(handle, { verdict: 'approve', approver: 'sam@example.com', actions: 'all' }),
        (error: Error) => /trustedIdentities: oidc/.test(String(error.cause)),
      );
      // `--as` alone is a free-text name: the playbook refuses it.
      const named = await cliAs(undefined, [
        'approve',
        handle.workflowId,
        '--all',
        '--as',
        'sam@example.com',
        '--no-wait',
      ]);
      assert.equal(named.code, 1, named.out);
      assert.match(named.out, /trustedIdentities: oidc/);
      assert.deepEqual(h.aws.mutations().counts, {});
    });

    it("refuses an Update that writes verifiedBy itself, or carries another server's seal: sam cannot be kim", async () => {
      const { handle } = await waiting('oidc');
      const deletes = deletesOf();
      const sam = await cliAs('sam@example.com', ['approve', handle.workflowId, '--actions', ...deletes, '--no-wait']);
      assert.equal(sam.code, 0, sam.out);
      await waitForStatus(handle, (s) => deletes.every((id) => statusOf(s, id).approvals?.length === 1));
      // sam, with write access to the namespace, claims to be kim as Revoker's server would have verified her.
      const asKim: DecideRequest = { verdict: 'approve', approver: 'kim@example.com', actions: deletes };
      await assert.rejects(decide(handle, { ...asKim, verifiedBy: 'link' }), (error: Error) =>
        /verifiedBy link without a valid seal/.test(String(error.cause)),
      );
      const elsewhere = decisionSealer(generateKeyPairSync('ed25519').privateKey);
      await assert.rejects(
        decide(handle, elsewhere.seal(handle.workflowId, { ...asKim, verifiedBy: 'identity-token' })),
        (error: Error) => /without a valid seal/.test(String(error.cause)),
      );
      stillWaiting(await handle.query(statusQuery));
      assert.deepEqual(h.aws.mutations().counts, {}, "nothing deleted on one person's word");
    });

    it('cannot be met by one person through the CLI and their link, or under an alias; two people meet it', async () => {
      const { handle } = await waiting('oidc');
      const deletes = deletesOf();
      const sam = await cliAs('sam@example.com', ['approve', handle.workflowId, '--all', '--no-wait']);
      assert.equal(sam.code, 0, sam.out);
      const afterSam = await waitForStatus(handle, (s) =>
        deletes.every((id) => statusOf(s, id).approvals?.length === 1),
      );
      assert.equal(afterSam.decisions.at(-1)?.verifiedBy, 'identity-token');
      assert.equal(afterSam.decisions.at(-1)?.approver, 'sam@example.com', "the token's identity, not a typed name");

      // sam's own link (his inbox only): everything it covers is approved by him already.
      const link = await post(await linkOf(handle.workflowId, 'sam@example.com'));
      assert.equal(link.status, 409, JSON.stringify(link.body));
      // sam under his alias, with a token the issuer signed for that name.
      const alias = await cliAs('samuel@corp.example', [
        'approve',
        handle.workflowId,
        '--actions',
        ...deletes,
        '--no-wait',
      ]);
      assert.equal(alias.code, 1, alias.out);
      assert.match(alias.out, /samuel@corp.example already approved .*four eyes needs another approver/);
      // A token for kim with `--as sam`: the server refuses the mismatch.
      const mismatch = await cliAs('kim@example.com', [
        'approve',
        handle.workflowId,
        '--all',
        '--as',
        'sam@example.com',
      ]);
      assert.equal(mismatch.code, 2, mismatch.out);
      assert.match(mismatch.out, /names kim@example.com, not sam@example.com/);
      stillWaiting(await handle.query(statusQuery));
      for (const key of aliceKeys()) assert.ok(h.aws.accessKey(key), `${key} is not deleted`);

      // kim, through her own link: the second person.
      const kim = await post(await linkOf(handle.workflowId, 'kim@example.com'));
      assert.equal(kim.status, 200, JSON.stringify(kim.body));
      const report = await result(handle);
      assert.equal(report.state, 'Contained');
      for (const id of deletes)
        assert.equal(statusOf(report, id).decidedBy?.approver, 'sam@example.com + kim@example.com');
      assert.deepEqual(
        report.decisions.filter((d) => !d.ignored).map((d) => [d.approver, d.verifiedBy]),
        [
          ['sam@example.com', 'identity-token'],
          ['kim@example.com', 'link'],
        ],
      );
    });
  });

  describe('trustedIdentities: oidc, with `revoker login` (the device login)', () => {
    /** `revoker …` with the sign-in kept in `cache` and no token in the environment, as a responder's shell runs it. */
    function cliSignedIn(cache: string, args: string[], onOutput?: (text: string) => void) {
      const out: string[] = [];
      const code = runCli(args, {
        connect: () => connectGateway(PROGRAM),
        stdout: (text) => out.push(text),
        stderr: (text) => {
          out.push(text);
          onOutput?.(out.join(''));
        },
        env: { REVOKER_PUBLIC_URL: h.links.baseUrl, REVOKER_IDENTITY_CACHE: cache },
      });
      return code.then((exit) => ({ code: exit, out: out.join('') }));
    }

    /** `revoker login`, and the person finishing it in a real browser on the IdP's page. */
    async function signIn(cache: string, email: string, decision: 'Sign in to Revoker' | 'Deny') {
      let shown: (url: string) => void = () => undefined;
      const page = new Promise<string>((resolve) => (shown = resolve));
      const login = cliSignedIn(cache, ['login'], (text) => {
        const url = /open (http\S+)/.exec(text)?.[1];
        if (url) shown(url);
      });
      const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      });
      try {
        const tab = await browser.newPage();
        await tab.goto(await Promise.race([page, login.then((r) => Promise.reject(new Error(r.out)))]));
        const code = /user_code=([A-Z-]+)/.exec(tab.url())?.[1] ?? '';
        assert.equal(await tab.getByLabel(/Code shown by/).inputValue(), code, "the page shows the terminal's code");
        await tab.getByLabel('Your email').fill(email);
        await tab.getByRole('button', { name: decision }).click();
        await tab.getByRole('heading', { name: decision === 'Deny' ? 'Sign-in denied' : 'Signed in' }).waitFor();
      } finally {
        await browser.close();
      }
      return login;
    }

    it('decides as the person who signed in, never as a name typed beside it; a denied sign-in keeps nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'revoker-login-'));
      try {
        const cache = join(dir, 'identity.json');
        const denied = await signIn(cache, 'kim@example.com', 'Deny');
        assert.equal(denied.code, 1, denied.out);
        assert.match(denied.out, /the sign-in was denied/);
        assert.equal(existsSync(cache), false, 'nothing is kept from a denied sign-in');

        const login = await signIn(cache, 'kim@example.com', 'Sign in to Revoker');
        assert.equal(login.code, 0, login.out);
        assert.match(login.out, /signed in as kim@example.com until /);
        assert.equal(statSync(cache).mode & 0o777, 0o600, 'the sign-in is readable by its owner alone');
        assert.match((await cliSignedIn(cache, ['whoami'])).out, /^kim@example.com, signed in with http/);

        const { handle } = await waiting('oidc');
        const deletes = deletesOf();
        const sam = await cliAs('sam@example.com', ['approve', handle.workflowId, '--all', '--no-wait']);
        assert.equal(sam.code, 0, sam.out);
        await waitForStatus(handle, (s) => deletes.every((id) => statusOf(s, id).approvals?.length === 1));
        // kim, signed in, names sam beside her sign-in: the server refuses, nothing is decided.
        const asSam = await cliSignedIn(cache, ['approve', handle.workflowId, '--all', '--as', 'sam@example.com']);
        assert.equal(asSam.code, 2, asSam.out);
        assert.match(asSam.out, /names kim@example.com, not sam@example.com/);
        stillWaiting(await handle.query(statusQuery));

        const kim = await cliSignedIn(cache, ['approve', handle.workflowId, '--all', '--no-wait']);
        assert.equal(kim.code, 0, kim.out);
        const report = await result(handle);
        assert.equal(report.state, 'Contained');
        assert.deepEqual(
          report.decisions.filter((d) => !d.ignored).map((d) => [d.approver, d.verifiedBy]),
          [
            ['sam@example.com', 'identity-token'],
            ['kim@example.com', 'identity-token'],
          ],
        );
        assert.match((await cliSignedIn(cache, ['logout'])).out, /signed out/);
        assert.equal(existsSync(cache), false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('trustedIdentities: temporal-namespace (the default)', () => {
    it('takes a named approver, and still counts one person under two names or cases once', async () => {
      const { handle, runId } = await waiting(undefined);
      const deletes = deletesOf();
      await decide(handle, { verdict: 'approve', approver: 'Sam@Example.com', actions: 'all' });
      await approve(handle, { approver: 'samuel@corp.example', actions: deletes });
      const status = await waitForStatus(handle, (s) => s.decisions.length === 2);
      assert.match(status.decisions[1]?.ignored ?? '', /samuel@corp.example already approved .*four eyes/);
      // A link minted for sam's alias (as if the policy listed him twice) is refused as well.
      const { token } = await signLinkToken(h.links.secret, {
        workflowId: handle.workflowId,
        runId,
        verdict: 'approve',
        actions: deletes,
        approver: 'SAMUEL@corp.example',
        expiresAt: new Date(Date.now() + 600_000),
      });
      const aliased = await post(`${h.links.baseUrl}/links/${token}`);
      assert.equal(aliased.status, 409, JSON.stringify(aliased.body));
      stillWaiting(await handle.query(statusQuery));
      await decide(handle, { verdict: 'approve', approver: 'kim@example.com', actions: deletes });
      assert.equal((await result(handle)).state, 'Contained');
    });
  });
});
