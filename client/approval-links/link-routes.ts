import { stateLabel } from '../../domain/outcome.js';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { accepts } from 'hono/accepts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { pino, type Logger } from 'pino';
import { keptInForce, staysInForce } from '../../domain/release.js';
import { approvalEffects, decidedWords, type ApprovalRules } from '../../domain/approval-words.js';
import { approvedNotStarted, awaitsDecision, type PlaybookStatus } from '../../domain/report.js';
import { DecisionRefusedError, PlaybookGoneError, type LinkPlaybooks } from './link-playbooks.js';
import {
  linkHtml,
  linkJson,
  LINK_SECURITY_HEADERS,
  verdictEffect,
  type LeftStep,
  type LinkContext,
  type LinkedAction,
  type LinkIncident,
  type LinkView,
  CHOICE_FIELD,
  CHOICE_VALUE,
} from './link-page.js';
import { LinkTokenError, verifyLinkToken, type ApprovalLink, type LinkProblem } from '../../connect/link-token.js';
import { DecisionRequest, Verdict, type Decision } from '../../domain/decision.js';
import { describeIssues } from '../../domain/issues.js';
import { IdentityTokenError, type IdentityVerifier } from './identity-token.js';

export interface LinkRoutesDeps {
  /** Every secret that may have signed a live link (REVOKER_LINK_SECRETS); at least one. */
  secrets: string[];
  playbooks: LinkPlaybooks;
  /** Verifies identity tokens for `POST /links/decide` (the CLI's path under `trustedIdentities: oidc`); absent: 404. */
  identity?: IdentityVerifier;
  logger?: Logger;
  now?: () => Date;
}

/** Recorded with every decision made through a link, beside the link's id. */
export const LINK_REASON = 'one-click link from the notification';

const TOKEN_STATUS: Record<LinkProblem, ContentfulStatusCode> = { malformed: 400, forged: 403, expired: 410 };
const TOKEN_TITLE: Record<LinkProblem, string> = {
  malformed: 'Not a Revoker link',
  forged: 'Invalid link',
  expired: 'This link has expired',
};
/** A choice of a few hundred step ids; anything longer is not the page's form. */
const MAX_CHOICE_BYTES = 64 * 1024;

/** What a handler learnt before it failed, so the problem page still names the incident and the steps. */
interface Known {
  link?: ApprovalLink;
  status?: PlaybookStatus;
}

/**
 * `/links/:token`. GET verifies the link and shows what it would do, deciding nothing: chat
 * unfurlers and mail scanners fetch links before (or without) a person. POST verifies again and
 * decides, through the playbook's `decide` Update, the steps checked on the page that still wait,
 * and says which it left and why; the playbook refuses a used link or an approver outside the policy.
 * No other credential: the signed token is one, bound to one run, one verdict, one set of steps and
 * one approver, and sent to that approver alone. `POST /decide` is the CLI's path with an identity token.
 */
export function createLinkRoutes(deps: LinkRoutesDeps): Hono {
  if (deps.secrets.length === 0) throw new Error('one-click links need at least one secret (REVOKER_LINK_SECRETS)');
  const logger = deps.logger ?? pino({ level: 'silent' });
  const now = deps.now ?? (() => new Date());
  const app = new Hono();
  const pages = pageBuilder(deps.playbooks);

  app.post('/decide', (c) => decideWithIdentity(c, deps, logger));
  app.get('/identity', (c) => identityAnswer(c, deps));
  app.all('/decide', (c) => c.json({ error: 'POST a decision with Authorization: Bearer <identity token>' }, 405));

  app.get('/:token', (c) =>
    answer(c, pages, logger, async (known) => {
      const link = (known.link = await verifyLinkToken(c.req.param('token'), deps.secrets, now()));
      const [status, rules] = await Promise.all([deps.playbooks.status(link), pages.rules(link)]);
      known.status = status;
      const used = usedBy(link, status);
      if (used) return [200, { kind: 'decided', decision: used, earlier: true, ...pages.context(link, status) }];
      const { decidable, left } = covered(link, status);
      if (decidable.length === 0) return [200, settled(pages.context(link, status, { left }))];
      return [200, pages.confirm(link, status, rules, decidable, left)];
    }),
  );

  app.post('/:token', (c) =>
    answer(c, pages, logger, async (known) => {
      const link = (known.link = await verifyLinkToken(c.req.param('token'), deps.secrets, now()));
      const about = { workflowId: link.workflowId, verdict: link.verdict, approver: link.approver, link: link.id };
      const chosen = await choiceOf(c, link);
      if (!chosen.ok) {
        // Nothing is decided; the playbook is read only so the page can still show the incident and its steps.
        const status = (known.status = await deps.playbooks.status(link).catch(() => undefined));
        return [400, { kind: 'problem', ...chosen.problem, again: true, ...pages.context(link, status) }];
      }
      // The checked steps that still wait: a step approved by others or decided meanwhile is left,
      // said so, and the rest is decided. The playbook judges again (a race ends in its refusal).
      const before = (known.status = await deps.playbooks.status(link));
      const used = usedBy(link, before);
      if (used) return [409, { kind: 'decided', decision: used, earlier: true, ...pages.context(link, before) }];
      const { decidable, left } = covered(link, before);
      if (decidable.length === 0) return [409, settled(pages.context(link, before, { left }))];
      const actions = decidable.filter((id) => chosen.actions.includes(id));
      const unchecked = decidable
        .filter((id) => !actions.includes(id))
        .map((id) => ({ id, why: 'not checked on the page: it still waits, and fresh links for it follow' }));
      if (actions.length === 0) {
        const gone = left.filter(({ id }) => chosen.actions.includes(id));
        const message = `${gone.map(({ id, why }) => `${id}: ${why}`).join('; ')}. Nothing was decided; the steps you did not check still wait.`;
        const context = pages.context(link, before, { left: [...gone, ...unchecked] });
        return [
          409,
          { kind: 'problem', title: 'The steps you checked no longer wait', message, again: true, ...context },
        ];
      }
      const request = { verdict: link.verdict, approver: link.approver, actions, reason: LINK_REASON };
      const verified = { link: link.id, verifiedBy: 'link' as const };
      const decision = await deps.playbooks.decide(link, { ...request, ...verified }).catch((error: unknown) => {
        if (error instanceof DecisionRefusedError) logger.warn({ ...about, why: error.message }, 'link refused');
        throw error;
      });
      logger.info({ ...about, actions: decision.actions.length }, 'decided through a one-click link');
      // Only to show where the steps stand now: the decision is made whether or not this answers.
      const status = await deps.playbooks.status(link).catch(() => undefined);
      const context = pages.context(link, status ?? before, { left: [...left, ...unchecked] });
      return [200, { kind: 'decided', decision, earlier: false, ...context }];
    }),
  );

  app.all('/:token', (c) => answer(c, pages, logger, () => Promise.resolve(methodNotAllowed())));
  // Deeper paths are not links; answered here so the path (which may hold a token) is never echoed.
  app.all('*', (c) =>
    respond(c, 404, { kind: 'problem', title: 'Not a Revoker link', message: 'Links look like /links/<token>.' }),
  );
  return app;
}

/** Mounted instead of the link routes when no secret is configured, so a stray link says why it fails. */
export function linksNotConfigured(): Hono {
  const app = new Hono();
  app.all('*', (c) =>
    respond(c, 404, {
      kind: 'problem',
      title: 'One-click links are off',
      message: 'One-click links are not configured on this server (REVOKER_LINK_SECRETS): use the UI or the CLI.',
    }),
  );
  return app;
}

function methodNotAllowed(): [ContentfulStatusCode, LinkView] {
  return [405, { kind: 'problem', title: 'Method not allowed', message: 'GET shows a link, POST decides.' }];
}

/** The decision a link was used for, if it was: each link works once. */
function usedBy(link: ApprovalLink, status: PlaybookStatus): Decision | undefined {
  return status.decisions.find((d) => d.link === link.id && !d.ignored);
}

function settled(context: LinkContext): LinkView {
  const others = context.actions.filter((a) => a.decided?.length).length;
  return {
    kind: 'settled',
    title: 'Already decided',
    message: `Nothing is left for this link to decide${
      others ? `: ${others} of its step(s) were decided, as each says below` : ''
    }. ${context.left.map(({ id, why }) => `${id}: ${why}.`).join(' ')}`.trim(),
    ...context,
  };
}

/**
 * The steps a POST checked, validated against the steps the link is bound to: the page's form sends
 * `choice=checked` and one `actions=<id>` per checked box, so a form with every box unchecked is told
 * so and decides nothing. A POST with no body at all (a script, or the link as sent before the page
 * offered a choice) decides every step the link can still decide, as it always did.
 */
async function choiceOf(
  c: Context,
  link: ApprovalLink,
): Promise<{ ok: true; actions: string[] } | { ok: false; problem: { title: string; message: string } }> {
  const text = await c.req.text();
  if (text.length > MAX_CHOICE_BYTES) {
    return { ok: false, problem: { title: NOT_A_CHOICE, message: 'The form is too large. Nothing was decided.' } };
  }
  if (text.trim() === '') return { ok: true, actions: link.actions };
  const fields: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) (fields[name] ??= []).push(value);
  const parsed = Choice(link.actions).safeParse(fields);
  if (parsed.success) return { ok: true, actions: [...new Set(parsed.data.actions)] };
  if (Object.keys(fields).every((name) => name === CHOICE_FIELD)) {
    const message = `Check the steps to ${link.verdict}, then press the button again. Nothing was decided.`;
    return { ok: false, problem: { title: 'No step was checked', message } };
  }
  const why = describeIssues(parsed.error, 3);
  const message = `This link decides only the steps it names, checked on its page (${why}). Nothing was decided.`;
  return { ok: false, problem: { title: NOT_A_CHOICE, message } };
}

const NOT_A_CHOICE = 'Not a choice this link can make';

/** The page's form: its marker and one `actions` field per checked step, each a step the link is bound to. */
const Choice = (bound: string[]) =>
  z.strictObject({
    [CHOICE_FIELD]: z.array(z.literal(CHOICE_VALUE)).max(1).optional(),
    actions: z
      .array(z.string().refine((id) => bound.includes(id), "not one of this link's steps"))
      .min(1, 'check at least one step')
      .max(200),
  });

/** Runs a handler and turns every known refusal into its status; the token never reaches a log. */
async function answer(
  c: Context,
  pages: Pages,
  logger: Logger,
  handler: (known: Known) => Promise<[ContentfulStatusCode, LinkView]>,
): Promise<Response> {
  const known: Known = {};
  const problem = (title: string, message: string, status = known.status): LinkView =>
    known.link
      ? { kind: 'problem', title, message, ...pages.context(known.link, status) }
      : { kind: 'problem', title, message };
  try {
    const [status, view] = await handler(known);
    return await respond(c, status, view);
  } catch (error) {
    if (error instanceof LinkTokenError) {
      // An expired link's signature held: the page still names its incident, as it stands now.
      if (error.link) {
        known.link = error.link;
        known.status = await pages.lastKnown(error.link);
      }
      return respond(c, TOKEN_STATUS[error.problem], problem(TOKEN_TITLE[error.problem], error.message));
    }
    if (error instanceof PlaybookGoneError) {
      const message = `Nothing can be decided through this link: ${error.message}.`;
      return respond(c, 410, problem('This playbook is closed', message, error.last ?? known.status));
    }
    if (error instanceof DecisionRefusedError) {
      return respond(c, 409, problem('The playbook refused this decision', error.message));
    }
    logger.error({ err: error }, 'a one-click link could not reach its playbook');
    c.header('Retry-After', '30');
    const view = problem(
      'Try again shortly',
      'Revoker could not reach Temporal or the playbook did not answer. Nothing was decided; try again.',
    );
    return respond(c, 503, view.kind === 'problem' ? { ...view, again: Boolean(known.link) } : view);
  }
}

async function respond(c: Context, status: ContentfulStatusCode, view: LinkView): Promise<Response> {
  const type = accepts(c, { header: 'Accept', supports: ['text/html', 'application/json'], default: 'text/html' });
  for (const [name, value] of Object.entries(LINK_SECURITY_HEADERS)) c.header(name, value);
  return type === 'application/json' ? c.json(linkJson(view), status) : c.html(await linkHtml(view), status);
}

/** Builds what a page shows about its link: the incident, the principals, each step and what deciding it does. */
function pageBuilder(playbooks: LinkPlaybooks) {
  const incidentOf = (link: ApprovalLink, status?: PlaybookStatus): LinkIncident => {
    const uiUrl = playbooks.uiUrl?.(link);
    const first = status?.alerts[0];
    return {
      ...(status?.handle ? { handle: status.handle } : {}),
      ...(first ? { title: first.title } : {}),
      ...(status ? { severity: status.severity, state: status.state } : {}),
      ...(status && stateLabel(status) !== status.state ? { stateLabel: stateLabel(status) } : {}),
      ...(uiUrl ? { uiUrl } : {}),
    };
  };
  const context = (
    link: ApprovalLink,
    status: PlaybookStatus | undefined,
    { left = [], choosable = [], effects = new Map<string, string>() }: Partial<ContextParts> = {},
  ): LinkContext => {
    const actions: LinkedAction[] = status
      ? linked(link, status).map((a) => ({
          ...a,
          ...(choosable.includes(a.id) ? { choosable: true } : {}),
          ...(effects.has(a.id) ? { effect: effects.get(a.id) } : {}),
        }))
      : link.actions.map((id) => ({ id, description: '', status: 'unknown' }));
    const touched = new Set(actions.map((a) => a.principal));
    const principals = (status?.principals ?? [])
      .filter((p) => touched.has(p.key))
      .map(({ key, label, card }) => ({ key, label, ...(card ? { card } : {}) }));
    return { link, incident: incidentOf(link, status), principals, actions, left };
  };
  return {
    context,
    /** The run's status as it is, or as it was when it closed; undefined when it cannot be read. */
    lastKnown: (link: ApprovalLink): Promise<PlaybookStatus | undefined> =>
      playbooks.status(link).catch((gone: unknown) => (gone instanceof PlaybookGoneError ? gone.last : undefined)),
    /** The run's approval rules, for an approve link; the page words an approval without them when the run cannot say. */
    rules: (link: ApprovalLink): Promise<ApprovalRules | undefined> =>
      link.verdict === 'approve' && playbooks.rules
        ? playbooks.rules(link).catch(() => undefined)
        : Promise.resolve(undefined),
    confirm(
      link: ApprovalLink,
      status: PlaybookStatus,
      rules: ApprovalRules | undefined,
      decidable: string[],
      left: LeftStep[],
    ): LinkView {
      const records = status.actions.filter((r) => decidable.includes(r.action.id));
      const worded = link.verdict === 'approve' && rules ? approvalEffects(records, rules, link.approver) : undefined;
      const effects = new Map(worded?.steps.map((s) => [s.id, s.words]));
      const effect = worded?.summary ?? [verdictEffect(link.verdict)];
      return { kind: 'confirm', effect, ...context(link, status, { left, choosable: decidable, effects }) };
    },
  };
}

type Pages = ReturnType<typeof pageBuilder>;

interface ContextParts {
  left: LeftStep[];
  choosable: string[];
  effects: Map<string, string>;
}

function linked(link: ApprovalLink, status: PlaybookStatus): LinkedAction[] {
  // A release leaves in force what other incidents hold: said before (stays) and after (kept) it.
  const held = new Map<string, Pick<LinkedAction, 'alsoHeldBy' | 'kept'>>();
  if (link.verdict === 'release') {
    for (const { control, heldBy } of staysInForce(status.actions, status.sharedControls)) {
      held.set(control.action.id, { alsoHeldBy: heldBy });
    }
    for (const { control, heldBy } of keptInForce(status.actions)) {
      held.set(control.action.id, { alsoHeldBy: heldBy, kept: true });
    }
  }
  return link.actions.map((id) => {
    const record = status.actions.find((r) => r.action.id === id);
    if (!record) return { id, description: '(not in this playbook)', status: 'unknown' };
    // Approved by enough people but not started yet: it no longer waits for anyone.
    const approved = approvedNotStarted(record);
    const decided = decidedWords(record, status.decisions);
    return {
      id,
      description: record.action.description,
      status: approved ? 'approved' : record.status,
      reason: record.action.reason,
      principal: record.action.principal,
      ...(decided.length ? { decided } : {}),
      ...held.get(id),
    };
  });
}

/**
 * Sorts a link's steps into those it can still decide and those it leaves, with why: a step not in
 * the plan, one already decided or approved by enough people (under four eyes the first approver's
 * link may have taken the single-approval steps), or one this approver already approved. A release
 * link is judged whole by the playbook's release plan, so it is passed on as it is.
 */
export function covered(link: ApprovalLink, status: PlaybookStatus): { decidable: string[]; left: LeftStep[] } {
  if (link.verdict === 'release') return { decidable: link.actions, left: [] };
  const decidable: string[] = [];
  const left: LeftStep[] = [];
  const me = link.approver.toLowerCase();
  for (const id of link.actions) {
    const record = status.actions.find((r) => r.action.id === id);
    const why = !record
      ? "not in this playbook's plan"
      : approvedNotStarted(record)
        ? `already approved (by ${record.decidedBy?.approver ?? 'the policy'}): it no longer waits`
        : !awaitsDecision(record)
          ? `no longer waiting for a decision (${record.status})`
          : link.verdict === 'approve' && (record.approvals ?? []).some((a) => a.approver.toLowerCase() === me)
            ? `${link.approver} already approved it: it waits for another approver`
            : link.verdict === 'approve' && record.requestedBy?.toLowerCase() === me
              ? `${link.approver} asked for this release: another approver must approve it`
              : undefined;
    if (why) left.push({ id, why });
    else decidable.push(id);
  }
  return { decidable, left };
}

/** What `revoker approve|reject|release` posts with an identity token; `approver`, if named, must be the token's. */
const IdentityDecision = DecisionRequest.omit({ approver: true }).extend({
  workflowId: z.string().min(1).max(1_000),
  verdict: Verdict,
  approver: z.string().trim().min(1).max(128).optional(),
});
const MAX_DECISION_BYTES = 64 * 1024;

/**
 * `GET /links/identity`: where `revoker login` signs in (the issuer this server takes identity tokens
 * from, and the audience they must name); with a bearer token, also who the token names here.
 */
async function identityAnswer(c: Context, deps: LinkRoutesDeps): Promise<Response> {
  c.header('Cache-Control', 'no-store');
  if (!deps.identity) {
    return c.json({ error: 'identity tokens are not configured on this server (REVOKER_IDENTITY_ISSUER)' }, 404);
  }
  const trusted = { issuer: deps.identity.issuer, audience: deps.identity.audience };
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!bearer) return c.json(trusted);
  try {
    return c.json({ ...trusted, identity: await deps.identity.verify(bearer) });
  } catch (error) {
    if (!(error instanceof IdentityTokenError)) throw error;
    c.header('WWW-Authenticate', 'Bearer realm="revoker"');
    return c.json({ ...trusted, error: error.message }, 401);
  }
}

/**
 * `POST /links/decide`: a decision by the person an identity token names (the CLI with
 * REVOKER_IDENTITY_TOKEN). The token is verified here, on Revoker's server, against the issuer's
 * public keys; the playbook records the token's identity with `verifiedBy: identity-token`, and the
 * token itself goes nowhere (not to Temporal, not to a log).
 */
async function decideWithIdentity(c: Context, deps: LinkRoutesDeps, logger: Logger): Promise<Response> {
  c.header('Cache-Control', 'no-store');
  if (!deps.identity) {
    return c.json({ error: 'identity tokens are not configured on this server (REVOKER_IDENTITY_ISSUER)' }, 404);
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const challenge = () => c.header('WWW-Authenticate', 'Bearer realm="revoker"');
  if (!bearer) {
    challenge();
    return c.json({ error: 'send your identity token: Authorization: Bearer <token> (REVOKER_IDENTITY_TOKEN)' }, 401);
  }
  let approver: string;
  try {
    approver = await deps.identity.verify(bearer);
  } catch (error) {
    if (!(error instanceof IdentityTokenError)) throw error;
    challenge();
    return c.json({ error: error.message }, 401);
  }
  const text = await c.req.text();
  let json: unknown;
  try {
    if (text.length > MAX_DECISION_BYTES) throw new Error('too large');
    json = JSON.parse(text);
  } catch {
    return c.json({ error: 'the body is a JSON decision: {"workflowId", "verdict", "actions", "reason"?}' }, 400);
  }
  const parsed = IdentityDecision.safeParse(json);
  if (!parsed.success) return c.json({ error: describeIssues(parsed.error) }, 400);
  const { workflowId, verdict, actions, reason, approver: named } = parsed.data;
  if (named && named.toLowerCase() !== approver.toLowerCase()) {
    return c.json({ error: `your identity token names ${approver}, not ${named}: drop --as, or use their token` }, 403);
  }
  const about = { workflowId, verdict, approver, via: 'identity token' };
  try {
    const decision = await deps.playbooks.decide(
      { workflowId },
      { verdict, approver, actions, ...(reason === undefined ? {} : { reason }), verifiedBy: 'identity-token' },
    );
    logger.info({ ...about, actions: decision.actions.length }, 'decided with a verified identity');
    return c.json({ decision }, 200);
  } catch (error) {
    if (error instanceof DecisionRefusedError) {
      logger.warn({ ...about, why: error.message }, 'decision refused');
      return c.json({ error: error.message }, 409);
    }
    if (error instanceof PlaybookGoneError) return c.json({ error: error.message }, 410);
    logger.error({ err: error }, 'a decision could not reach its playbook');
    c.header('Retry-After', '30');
    return c.json(
      { error: 'Revoker could not reach Temporal or the playbook did not answer. Nothing was decided.' },
      503,
    );
  }
}
