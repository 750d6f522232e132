import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { approvalRulesOf, type ApprovalRules } from '../../domain/approval-words.js';
import type { TriageCard } from '../../domain/card.js';
import type { DecideRequest, Decision } from '../../domain/decision.js';
import { DEFAULT_POLICY, Policy } from '../../domain/policy.js';
import type { PlaybookStatus } from '../../domain/report.js';
import {
  awaitingStatus,
  DEACTIVATE,
  DELETE,
  DENY,
  OTHER_INCIDENT,
  releasedStatus,
  sharedStatus,
  WORKFLOW_ID,
  withAction,
} from '../cli/status-fixture.js';
import { createWebhookApp } from '../webhook/app.js';
import { DecisionRefusedError, PlaybookGoneError, type LinkPlaybooks, type PlaybookRun } from './link-playbooks.js';
import { LINK_REASON } from './link-routes.js';
import { signLinkToken, type LinkGrant } from '../../connect/link-token.js';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { identityVerifier } from './identity-token.js';

const SECRET = 'routes-test-link-secret-0123456789abcdef';
const RUN_ID = 'run-1';
const JSON_ACCEPT = { Accept: 'application/json' };
const BROWSER_ACCEPT = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const UI = 'https://temporal.example.com/namespaces/soc/workflows';
const uiUrlOf = (workflowId: string) => `${UI}/${encodeURIComponent(workflowId)}`;
/** The page's form with these steps checked. */
const checked = (...ids: string[]) =>
  ['choice=checked', ...ids.map((id) => `actions=${encodeURIComponent(id)}`)].join('&');

/** What discovery read of alice, as her triage card shows it. */
const CARD: TriageCard = {
  name: 'alice',
  id: 'arn:aws:iam::123456789012:user/alice',
  kind: 'IAM user',
  reach: ['AdministratorAccess (attached)', 'S3 read and write on every bucket'],
  reachMore: 2,
  lastUsed: { at: '2026-11-23T09:58:41Z', region: 'eu-west-1', service: 's3', credential: 'AKIAAAAAAAAAAAAAAAA1' },
  facts: ['console password', 'no MFA'],
};

/** alice's status with her card on her principal, and the deny waiting too: two steps to choose from. */
function twoWaiting(): PlaybookStatus {
  const status = withAction(awaitingStatus(), DENY, { status: 'awaiting-approval' });
  return { ...status, handle: 'INC-7F3K2Q', principals: status.principals.map((p) => ({ ...p, card: CARD })) };
}

/** sam and kim are the SOC; deleting a key takes both (four eyes). */
const FOUR_EYES: ApprovalRules = approvalRulesOf(
  Policy.parse({
    version: 1,
    fourEyes: 2,
    approvers: { groups: { soc: ['sam@example.com', 'kim@example.com'] }, default: ['soc'] },
  }),
);

/** A Temporal stand-in that records every decision asked of it. */
class FakePlaybooks implements LinkPlaybooks {
  current: PlaybookStatus | 'gone' | 'down' = awaitingStatus();
  /** The closed run's last status, when `current` is gone. */
  last?: PlaybookStatus;
  refuseWith?: string;
  /** The run's approval rules; undefined: a worker from before the approvalRules Query. */
  approvalRules?: ApprovalRules = approvalRulesOf(DEFAULT_POLICY);
  readonly decided: { run: PlaybookRun; request: DecideRequest }[] = [];

  status(): Promise<PlaybookStatus> {
    if (this.current === 'gone') return Promise.reject(new PlaybookGoneError('the playbook is completed', this.last));
    if (this.current === 'down') return Promise.reject(new Error('14 UNAVAILABLE: connection refused'));
    return Promise.resolve(this.current);
  }

  rules(): Promise<ApprovalRules | undefined> {
    return Promise.resolve(this.approvalRules);
  }

  uiUrl({ workflowId }: PlaybookRun): string {
    return uiUrlOf(workflowId);
  }

  decide(run: PlaybookRun, request: DecideRequest): Promise<Decision> {
    this.decided.push({ run, request });
    if (this.current === 'gone') return Promise.reject(new PlaybookGoneError('the playbook is closed'));
    if (this.refuseWith) return Promise.reject(new DecisionRefusedError(this.refuseWith));
    const { verdict, approver, actions, reason, link } = request;
    return Promise.resolve({
      verdict,
      approver,
      actions: actions === 'all' ? [] : actions,
      reason,
      link,
      at: '2026-11-23T10:05:00.000Z',
    });
  }
}

function grant(overrides: Partial<LinkGrant> = {}): LinkGrant {
  return {
    workflowId: WORKFLOW_ID,
    runId: RUN_ID,
    verdict: 'approve',
    actions: [DELETE],
    approver: 'sam@example.com',
    expiresAt: new Date(Date.now() + 3_600_000),
    ...overrides,
  };
}

describe('one-click link routes', () => {
  let playbooks: FakePlaybooks;
  let logged: string[];
  let app: ReturnType<typeof createWebhookApp>;
  const link = async (overrides: Partial<LinkGrant> = {}, secret = SECRET) => signLinkToken(secret, grant(overrides));

  beforeEach(() => {
    playbooks = new FakePlaybooks();
    logged = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    app = createWebhookApp({
      auth: { bearerTokens: ['intake-token-0123456789'], hmacSecrets: [] },
      startPlaybook: () => Promise.reject(new Error('not used')),
      logger: pino({ level: 'info' }, sink),
      links: { secrets: [SECRET], playbooks },
    });
  });

  it('shows what a link would decide without deciding anything, however often it is fetched', async () => {
    const { token } = await link();
    const res = await app.request(`/links/${token}`, { headers: JSON_ACCEPT });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.verdict, 'approve');
    assert.equal(body.approver, 'sam@example.com');
    assert.equal(body.workflowId, WORKFLOW_ID);
    const { action } = awaitingStatus().actions.find((r) => r.action.id === DELETE) ?? assert.fail();
    assert.deepEqual(body.actions, [
      {
        id: DELETE,
        description: action.description,
        status: 'awaiting-approval',
        reason: action.reason,
        principal: 'aws/123456789012/user/alice',
        choosable: true,
        effect: 'your approval alone runs it · permanent: no release can undo it',
      },
    ]);
    assert.deepEqual(body.incident, {
      title: 'Access key used from a new ASN',
      severity: 'high',
      state: 'AwaitingApproval',
      uiUrl: uiUrlOf(WORKFLOW_ID),
    });
    await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT });
    await app.request(`/links/${token}`, { method: 'HEAD' });
    assert.equal(playbooks.decided.length, 0, 'GET and HEAD never decide');
  });

  it('serves a confirmation page with a POST button and headers that keep the token private', async () => {
    const { token } = await link({ verdict: 'reject' });
    const res = await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const page = await res.text();
    assert.match(page, /<form method="post"/);
    assert.match(page, /Reject the checked steps as sam@example.com<\/button>/);
    assert.match(page, new RegExp(`<input type="checkbox" name="actions" value="${literal(DELETE)}" [^>]*checked`));
    assert.match(page, /They will never run/);
    assert.ok(page.includes(DELETE));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  it('decides on POST through the decide path as the link says, for the steps checked on its page', async () => {
    const { token, id } = await link();
    const crafted = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: `approver=kim%40example.com&verdict=release&${checked(DELETE)}`,
    });
    assert.equal(crafted.status, 400, 'the form names the steps, nothing else: the token decides who and how');
    assert.match(((await crafted.json()) as { error: string }).error, /Unrecognized keys?: "approver", "verdict"/);
    assert.equal(playbooks.decided.length, 0);
    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DELETE),
    });
    assert.equal(res.status, 200);
    assert.equal(playbooks.decided.length, 1);
    const [{ run, request }] = playbooks.decided as [(typeof playbooks.decided)[number]];
    assert.deepEqual([run.workflowId, run.runId], [WORKFLOW_ID, RUN_ID]);
    assert.deepEqual(request, {
      verdict: 'approve',
      approver: 'sam@example.com',
      actions: [DELETE],
      reason: LINK_REASON,
      link: id,
      verifiedBy: 'link',
    });
    const body = (await res.json()) as { decision: Decision };
    assert.equal(body.decision.approver, 'sam@example.com', 'the body cannot change who decides');
    assert.ok(logged.some((line) => line.includes('decided through a one-click link')));
    assert.ok(!logged.some((line) => line.includes(token)), 'the token is never logged');
  });

  it("answers 409 with the playbook's reason when it refuses the decision", async () => {
    playbooks.refuseWith = 'link abcdefghijklmnop was already used';
    const { token } = await link();
    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DELETE),
    });
    assert.equal(res.status, 409);
    const body = (await res.json()) as { error: string; incident: { uiUrl: string } };
    assert.match(body.error, /already used/);
    assert.equal(body.incident.uiUrl, uiUrlOf(WORKFLOW_ID));
  });

  it('shows the decision a used link made, with the incident, and refuses to decide again (409)', async () => {
    const { token, id } = await link();
    const decision: Decision = {
      verdict: 'approve',
      approver: 'sam@example.com',
      actions: [DELETE],
      at: '2026-11-23T10:01:00.000Z',
      link: id,
    };
    const status = withAction(awaitingStatus(), DELETE, {
      status: 'done',
      decidedBy: { approver: 'sam@example.com', at: decision.at },
    });
    playbooks.current = { ...status, decisions: [decision] };
    const res = await app.request(`/links/${token}`, { headers: JSON_ACCEPT });
    assert.equal(res.status, 200, 'a page to read, not a bare refusal');
    const body = (await res.json()) as { page: string; decision: Decision; earlier: boolean; actions: unknown[] };
    assert.deepEqual([body.page, body.decision, body.earlier], ['decided', decision, true]);
    assert.deepEqual(
      (body.actions as { decided: string[] }[]).map((a) => a.decided),
      [['approve by sam@example.com at 2026-11-23T10:01:00.000Z (one-click link)']],
    );
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    assert.match(page, /<h1>This link was already used<\/h1>/);
    assert.match(page, /Access key used from a new ASN/);
    assert.ok(page.includes(`href="${uiUrlOf(WORKFLOW_ID)}"`), 'the Temporal UI link');
    assert.doesNotMatch(page, /<form/);
    const again = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DELETE),
    });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { earlier: boolean }).earlier, true);
    assert.equal(playbooks.decided.length, 0);
  });

  it('says who decided what when none of its steps still waits, and decides nothing on POST (409)', async () => {
    const rejection: Decision = {
      verdict: 'reject',
      approver: 'kim@example.com',
      actions: [DELETE],
      at: '2026-11-23T10:02:00.000Z',
    };
    const status = withAction(awaitingStatus(), DELETE, {
      status: 'rejected',
      decidedBy: { approver: 'kim@example.com', at: rejection.at },
    });
    playbooks.current = { ...status, decisions: [rejection] };
    const { token } = await link();
    const res = await app.request(`/links/${token}`, { headers: JSON_ACCEPT });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      page: string;
      error: string;
      left: { id: string; why: string }[];
      actions: { decided: string[] }[];
    };
    assert.equal(body.page, 'settled');
    assert.match(body.error, new RegExp(`${DELETE}: no longer waiting for a decision \\(rejected\\)`));
    assert.deepEqual(body.left, [{ id: DELETE, why: 'no longer waiting for a decision (rejected)' }]);
    assert.deepEqual(body.actions[0]?.decided, ['reject by kim@example.com at 2026-11-23T10:02:00.000Z']);
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    assert.match(page, /<h1>Already decided<\/h1>/);
    assert.match(page, /reject by kim@example.com at 2026-11-23T10:02:00.000Z/);
    assert.match(page, /<span class="sev sev-high">high<\/span> · Access key used from a new ASN/);
    const post = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DELETE),
    });
    assert.equal(post.status, 409);
    assert.match(((await post.json()) as { error: string }).error, /Nothing is left for this link to decide/);
    playbooks.current = awaitingStatus();
    const foreign = await link({ actions: ['aws:delete-key:AKIAOTHERPLAYBOOK000'] });
    const other = await app.request(`/links/${foreign.token}`, { headers: JSON_ACCEPT });
    assert.equal(other.status, 200);
    assert.match(((await other.json()) as { error: string }).error, /not in this playbook's plan/);
    assert.equal(playbooks.decided.length, 0);
  });

  it('decides only the checked steps and says the unchecked ones still wait', async () => {
    playbooks.current = twoWaiting();
    const { token } = await link({ actions: [DELETE, DENY] });
    const preview = (await (await app.request(`/links/${token}`, { headers: JSON_ACCEPT })).json()) as {
      actions: { id: string; choosable?: boolean }[];
    };
    assert.deepEqual(
      preview.actions.map((a) => [a.id, a.choosable]),
      [
        [DELETE, true],
        [DENY, true],
      ],
    );
    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DENY),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      playbooks.decided.map((d) => d.request.actions),
      [[DENY]],
    );
    const body = (await res.json()) as { left: { id: string; why: string }[] };
    assert.deepEqual(body.left, [
      { id: DELETE, why: 'not checked on the page: it still waits, and fresh links for it follow' },
    ]);
  });

  it('answers 400 and decides nothing when no box is checked or a checked step is not the link’s; a POST without a form decides the whole link', async () => {
    playbooks.current = twoWaiting();
    const { token } = await link({ actions: [DELETE, DENY] });
    const none = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...BROWSER_ACCEPT, ...FORM },
      body: checked(),
    });
    assert.equal(none.status, 400);
    const page = await none.text();
    assert.match(page, /<h1>No step was checked<\/h1>/);
    assert.match(page, /Check the steps to approve, then press the button again. Nothing was decided./);
    assert.match(page, /INC-7F3K2Q/, 'the page still names the incident');
    assert.match(page, /<a href="">Back to this link's steps<\/a>/);
    for (const body of [checked(DEACTIVATE), checked(DENY, 'aws:delete-key:AKIAOTHERPLAYBOOK000')]) {
      const foreign = await app.request(`/links/${token}`, {
        method: 'POST',
        headers: { ...JSON_ACCEPT, ...FORM },
        body,
      });
      assert.equal(foreign.status, 400, body);
      assert.match(((await foreign.json()) as { error: string }).error, /not one of this link's steps/);
    }
    assert.equal(playbooks.decided.length, 0);
    // No form at all (a script): every step the link can still decide, as before the page offered a choice.
    const whole = await app.request(`/links/${token}`, { method: 'POST', headers: JSON_ACCEPT });
    assert.equal(whole.status, 200);
    assert.deepEqual(
      playbooks.decided.map((d) => d.request.actions),
      [[DELETE, DENY]],
    );
  });

  it('words the approval from the run’s policy: one approval runs a deletion by default, four eyes needs two', async () => {
    const { token } = await link();
    const effect = async () =>
      ((await (await app.request(`/links/${token}`, { headers: JSON_ACCEPT })).json()) as { effect: string[] }).effect;
    assert.deepEqual(await effect(), [
      'One step is permanent (no release can undo it): under this policy your approval alone runs it.',
    ]);
    playbooks.approvalRules = FOUR_EYES;
    assert.deepEqual(await effect(), [
      'One step is permanent: under this policy (four eyes) it needs one more approver after you: kim@example.com; ' +
        'your approval alone does not run it.',
    ]);
    playbooks.current = withAction(awaitingStatus(), DELETE, {
      approvals: [{ approver: 'kim@example.com', at: '2026-11-23T10:01:00.000Z' }],
    });
    assert.deepEqual(await effect(), [
      'One step is permanent and it already has the approval of kim@example.com: ' +
        'under this policy (four eyes) yours completes it and runs it.',
    ]);
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    assert.doesNotMatch(page, /two different people/, 'no fixed four-eyes text');
    playbooks.approvalRules = undefined;
    assert.deepEqual(await effect(), ["They run once they have the approvals this playbook's policy asks for."]);
  });

  it('shows each principal’s triage card and each step’s reason', async () => {
    playbooks.current = twoWaiting();
    const { token } = await link({ actions: [DELETE, DENY] });
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    assert.match(page, /<h2>alice<\/h2>/);
    assert.match(page, /<code>arn:aws:iam::123456789012:user\/alice<\/code> · IAM user/);
    assert.match(page, /<li>AdministratorAccess \(attached\)<\/li>/);
    assert.match(page, /and 2 more/);
    assert.match(page, /Last used <time>2026-11-23T09:58:41Z<\/time> · eu-west-1 · s3 · AKIAAAAAAAAAAAAAAAA1/);
    assert.match(page, /console password · no MFA/);
    for (const record of twoWaiting().actions.filter((r) => [DELETE, DENY].includes(r.action.id))) {
      assert.ok(page.includes(`Why: ${record.action.reason}`), record.action.id);
    }
    const json = (await (await app.request(`/links/${token}`, { headers: JSON_ACCEPT })).json()) as {
      principals: { card: TriageCard }[];
    };
    assert.deepEqual(json.principals[0]?.card, CARD);
  });

  it('decides the steps it covers that still wait and says which it left and why', async () => {
    // sam's link covers the key's deletion (waits), the deny (approved by kim alone: one approval
    // suffices), a step sam approved already (four eyes waits for someone else) and a foreign step.
    const waiting = withAction(awaitingStatus(), DENY, {
      status: 'awaiting-approval',
      decidedBy: { approver: 'kim@example.com', at: '2026-11-23T10:01:00.000Z' },
    });
    playbooks.current = withAction(waiting, DEACTIVATE, {
      status: 'awaiting-approval',
      approvals: [{ approver: 'Sam@Example.com', at: '2026-11-23T10:01:00.000Z' }],
    });
    const foreign = 'aws:delete-key:AKIAOTHERPLAYBOOK000';
    const { token } = await link({ actions: [DELETE, DENY, DEACTIVATE, foreign] });
    const expectedLeft = [
      { id: DENY, why: 'already approved (by kim@example.com): it no longer waits' },
      { id: DEACTIVATE, why: 'sam@example.com already approved it: it waits for another approver' },
      { id: foreign, why: "not in this playbook's plan" },
    ];
    const preview = await app.request(`/links/${token}`, { headers: JSON_ACCEPT });
    assert.equal(preview.status, 200);
    assert.deepEqual(((await preview.json()) as { left: unknown }).left, expectedLeft);
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    assert.match(page, /Approve 1 step\(s\) as sam@example.com\?/);
    assert.equal([...page.matchAll(/type="checkbox"/g)].length, 1, 'only the step it can decide has a box');
    assert.match(page, /3 of this link's steps are left/);
    assert.equal(playbooks.decided.length, 0);

    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DELETE),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      playbooks.decided.map((d) => d.request.actions),
      [[DELETE]],
      'only the step that still waits is decided',
    );
    const body = (await res.json()) as { decision: Decision; left: unknown };
    assert.deepEqual(body.decision.actions, [DELETE]);
    assert.deepEqual(body.left, expectedLeft);
  });

  describe('POST /links/decide (the CLI with an identity token)', () => {
    const ISSUER = 'https://login.example.com';
    let issue: (claims: JWTPayload, options?: { expired?: boolean; key?: 'other' }) => Promise<string>;
    let identityApp: ReturnType<typeof createWebhookApp>;

    beforeEach(async () => {
      const [trusted, other] = await Promise.all([generateKeyPair('ES256'), generateKeyPair('ES256')]);
      const jwk = { ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'ES256' };
      issue = (claims, options = {}) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience('revoker')
          .setIssuedAt()
          .setExpirationTime(options.expired ? Math.floor(Date.now() / 1000) - 120 : '5m')
          .sign(options.key === 'other' ? other.privateKey : trusted.privateKey);
      identityApp = createWebhookApp({
        auth: { bearerTokens: ['intake-token-0123456789'], hmacSecrets: [] },
        startPlaybook: () => Promise.reject(new Error('not used')),
        links: {
          secrets: [SECRET],
          playbooks,
          identity: identityVerifier({ issuer: ISSUER, audience: 'revoker', keys: { keys: [jwk] } }),
        },
      });
    });
    const post = (token: string | undefined, body: unknown) =>
      identityApp.request('/links/decide', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const body = { workflowId: WORKFLOW_ID, verdict: 'approve', actions: [DELETE], reason: 'confirmed' };

    it("decides as the token's verified identity and marks the decision verified", async () => {
      const res = await post(await issue({ sub: 'u-123', email: 'Kim@Example.com', email_verified: true }), body);
      assert.equal(res.status, 200);
      assert.deepEqual(playbooks.decided, [
        {
          run: { workflowId: WORKFLOW_ID },
          request: {
            verdict: 'approve',
            approver: 'Kim@Example.com',
            actions: [DELETE],
            reason: 'confirmed',
            verifiedBy: 'identity-token',
          },
        },
      ]);
      const subjectOnly = await post(await issue({ sub: 'svc-soar-bot' }), { ...body, approver: 'SVC-soar-bot' });
      assert.equal(subjectOnly.status, 200);
      assert.equal(playbooks.decided[1]?.request.approver, 'svc-soar-bot');
    });

    it('refuses a missing, expired, foreign-signed or wrong-audience token, and a token naming someone else', async () => {
      const cases: [string | undefined, unknown, number, RegExp][] = [
        [undefined, body, 401, /Authorization: Bearer/],
        [await issue({ sub: 'kim' }, { expired: true }), body, 401, /expired/],
        [await issue({ sub: 'kim' }, { key: 'other' }), body, 401, /not signed by the configured issuer/],
        [
          await issue({ sub: 'kim', email: 'kim@example.com' }),
          { ...body, approver: 'sam@example.com' },
          403,
          /names kim@example.com, not sam@example.com/,
        ],
        [await issue({ sub: 'kim' }), { ...body, verdict: 'maybe' }, 400, /verdict/],
        [await issue({ sub: 'kim' }), { ...body, verifiedBy: 'link' }, 400, /verifiedBy/],
      ];
      for (const [token, request, status, why] of cases) {
        const res = await post(token, request);
        assert.equal(res.status, status, JSON.stringify(request));
        assert.match(((await res.json()) as { error: string }).error, why);
      }
      const wrongAudience = await new SignJWT({ sub: 'kim' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience('revoker')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET));
      assert.equal((await post(wrongAudience, body)).status, 401, 'a shared-secret token is no identity');
      assert.equal(playbooks.decided.length, 0);
    });

    it("answers 409 with the playbook's reason, and 404 where no issuer is configured", async () => {
      playbooks.refuseWith = 'kim@example.com already approved it: four eyes needs another approver';
      const res = await post(await issue({ sub: 'kim' }), body);
      assert.equal(res.status, 409);
      assert.match(((await res.json()) as { error: string }).error, /four eyes/);
      const plain = await app.request('/links/decide', { method: 'POST', body: '{}' });
      assert.equal(plain.status, 404);
    });
  });

  it('answers 403 for a forged or altered link, 410 for an expired one and 400 for a malformed one', async () => {
    const { token } = await link();
    const flipped = `${token.slice(0, -10)}${token.at(-10) === 'A' ? 'B' : 'A'}${token.slice(-9)}`;
    const otherSecret = (await link({}, 'another-secret-nobody-configured-012345')).token;
    const cases: [string, number][] = [
      [flipped, 403],
      [otherSecret, 403],
      [await expiredToken(), 410],
      ['not-a-link', 400],
    ];
    for (const [presented, status] of cases) {
      for (const method of ['GET', 'POST']) {
        const res = await app.request(`/links/${presented}`, { method, headers: JSON_ACCEPT });
        assert.equal(res.status, status, `${method} ${presented.slice(0, 12)}…`);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      }
    }
    assert.equal(playbooks.decided.length, 0);
  });

  it('answers 410 when the bound playbook is closed, saying what became of its steps', async () => {
    playbooks.current = 'gone';
    playbooks.last = {
      ...withAction(awaitingStatus(), DELETE, {
        status: 'rejected',
        note: 'no decision within the approval window',
      }),
      state: 'Contained',
    };
    const { token } = await link();
    assert.equal((await app.request(`/links/${token}`, { headers: JSON_ACCEPT })).status, 410);
    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DELETE),
    });
    assert.equal(res.status, 410);
    const body = (await res.json()) as {
      error: string;
      incident: Record<string, string>;
      actions: { status: string; decided: string[] }[];
    };
    assert.match(body.error, /playbook is completed/);
    assert.deepEqual(body.incident, {
      title: 'Access key used from a new ASN',
      severity: 'high',
      state: 'Contained',
      uiUrl: uiUrlOf(WORKFLOW_ID),
    });
    assert.deepEqual(body.actions[0], {
      ...body.actions[0],
      status: 'rejected',
      decided: ['no decision within the approval window'],
    });
    assert.equal(playbooks.decided.length, 0, 'a closed playbook is not asked to decide');
  });

  it('names the incident on the page of an expired link, and where Temporal could not be reached', async () => {
    const expired = await app.request(`/links/${await expiredToken()}`, { headers: BROWSER_ACCEPT });
    assert.equal(expired.status, 410);
    const page = await expired.text();
    assert.match(page, /<h1>This link has expired<\/h1>/);
    assert.match(page, /Access key used from a new ASN/);
    assert.ok(page.includes(`href="${uiUrlOf(WORKFLOW_ID)}"`));
    playbooks.current = 'down';
    const { token } = await link();
    const down = (await (await app.request(`/links/${token}`, { headers: JSON_ACCEPT })).json()) as {
      incident: { uiUrl: string };
    };
    assert.equal(down.incident.uiUrl, uiUrlOf(WORKFLOW_ID), 'the UI link needs no Temporal call');
  });

  it('answers 503 without the token in the logs when Temporal is unreachable', async () => {
    playbooks.current = 'down';
    const { token } = await link();
    const res = await app.request(`/links/${token}`, { headers: JSON_ACCEPT });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '30');
    assert.ok(logged.length > 0 && !logged.some((line) => line.includes(token)));
  });

  it('shows on a release link which controls stay in force, and because of which incident', async () => {
    playbooks.current = sharedStatus();
    const { token } = await link({ verdict: 'release', actions: [DEACTIVATE, DENY] });
    const json = (await (await app.request(`/links/${token}`, { headers: JSON_ACCEPT })).json()) as {
      actions: { id: string; status: string; alsoHeldBy?: string[]; kept?: boolean }[];
    };
    assert.deepEqual(
      json.actions.map(({ id, status, alsoHeldBy, kept }) => ({ id, status, alsoHeldBy, kept })),
      [
        { id: DEACTIVATE, status: 'done', alsoHeldBy: undefined, kept: undefined },
        { id: DENY, status: 'done', alsoHeldBy: [OTHER_INCIDENT], kept: undefined },
      ],
    );
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    assert.match(
      page,
      /<strong>1 of these stay in force after this release<\/strong>: another incident holds them too/,
    );
    assert.match(page, new RegExp(`<strong>stays</strong>: also held by\\s*<code>${literal(OTHER_INCIDENT)}</code>`));
    assert.equal(playbooks.decided.length, 0);
  });

  it('says after a release link ran which controls were kept in force for the other incident', async () => {
    const { token } = await link({ verdict: 'release', actions: [DEACTIVATE, DENY] });
    playbooks.current = releasedStatus();
    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...BROWSER_ACCEPT, ...FORM },
      body: checked(DEACTIVATE, DENY),
    });
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /<strong>1 of these were kept in force<\/strong>: another incident still holds them/);
    assert.match(
      page,
      new RegExp(`<strong>kept in force</strong>: also held by\\s*<code>${literal(OTHER_INCIDENT)}</code>`),
    );
    assert.doesNotMatch(page, /<strong>stays<\/strong>/);
  });

  it('says a control stays while the release that found it shared has not finished', async () => {
    const { token } = await link({ verdict: 'release', actions: [DENY] });
    const released = releasedStatus();
    playbooks.current = {
      ...released,
      actions: released.actions.map((r) =>
        r.action.reverses === DENY ? { action: r.action, status: 'planned' as const } : r,
      ),
    };
    const res = await app.request(`/links/${token}`, {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...FORM },
      body: checked(DENY),
    });
    const body = (await res.json()) as { actions: { alsoHeldBy?: string[]; kept?: boolean }[] };
    assert.deepEqual(body.actions[0]?.alsoHeldBy, [OTHER_INCIDENT]);
    assert.equal(body.actions[0]?.kept, undefined);
  });

  it('escapes everything it puts in the page', async () => {
    const status = withAction(awaitingStatus(), DELETE, {});
    const record = status.actions.find((r) => r.action.id === DELETE);
    if (record) {
      record.action = { ...record.action, description: '<script>alert(1)</script> & "quotes"', reason: '<i>why</i>' };
    }
    playbooks.current = {
      ...status,
      alerts: status.alerts.map((a) => ({ ...a, title: '<b>title</b>' })),
      principals: status.principals.map((p) => ({
        ...p,
        card: { ...CARD, name: '<u>alice</u>', reach: ['<s>x</s>'] },
      })),
    };
    const { token } = await link({ approver: '<img src=x onerror=alert(1)>' });
    const page = await (await app.request(`/links/${token}`, { headers: BROWSER_ACCEPT })).text();
    for (const tag of ['<script>', '<img', '<i>', '<b>', '<u>', '<s>'])
      assert.ok(!page.includes(tag), `${tag}: ${page}`);
    assert.ok(page.includes('&lt;b&gt;title&lt;/b&gt;') && page.includes('&lt;u&gt;alice&lt;/u&gt;'));
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('says links are off, without echoing the token, when no link secret is configured', async () => {
    const plain = createWebhookApp({
      auth: { bearerTokens: ['intake-token-0123456789'], hmacSecrets: [] },
      startPlaybook: () => Promise.reject(new Error('not used')),
    });
    const { token } = await link();
    for (const method of ['GET', 'POST']) {
      const res = await plain.request(`/links/${token}`, { method, headers: JSON_ACCEPT });
      assert.equal(res.status, 404);
      const text = await res.text();
      assert.match(text, /not configured on this server \(REVOKER_LINK_SECRETS\)/);
      assert.ok(!text.includes(token));
    }
  });

  it('refuses other methods and deeper paths without echoing them', async () => {
    const { token } = await link();
    assert.equal((await app.request(`/links/${token}`, { method: 'PUT', headers: JSON_ACCEPT })).status, 405);
    const deeper = await app.request(`/links/${token}/more`, { headers: JSON_ACCEPT });
    assert.equal(deeper.status, 404);
    assert.ok(!(await deeper.text()).includes(token));
  });
});

/** A genuine token whose exp has passed (signLinkToken refuses to make one, so it is issued in the past). */
async function expiredToken(): Promise<string> {
  const issued = new Date(Date.now() - 2 * 3_600_000);
  const { token } = await signLinkToken(SECRET, grant({ expiresAt: new Date(Date.now() - 60_000) }), issued);
  return token;
}

/** `text` as a literal inside a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
