import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';
import type { ApprovalLink } from '../../connect/link-token.js';
import type { Severity } from '../../domain/alert.js';
import type { TriageCard } from '../../domain/card.js';
import type { Decision, Verdict } from '../../domain/decision.js';
import type { PlaybookState } from '../../domain/report.js';

/** A bound action as the page shows it: what it does, why, where it stands now and who decided it. */
export interface LinkedAction {
  id: string;
  description: string;
  status: string;
  /** Why the playbook planned it (`action.reason`). */
  reason?: string;
  /** The principal it contains (its key), whose card the page shows. */
  principal?: string;
  /** The page offers it for this link's decision: a checkbox, checked at first. */
  choosable?: boolean;
  /** What this approver's approval does to it, under the run's policy (approve links). */
  effect?: string;
  /** Who decided it and how, once someone did. */
  decided?: string[];
  /** A release link's step that other incidents hold too: their workflow ids. It stays in force. */
  alsoHeldBy?: string[];
  /** The release ran and left it in force for them. */
  kept?: boolean;
}

/** A step a link covers but does not decide (any more), and why. */
export interface LeftStep {
  id: string;
  why: string;
}

/** The incident a link belongs to, named on every page that knows the link. */
export interface LinkIncident {
  handle?: string;
  /** The first alert's title. */
  title?: string;
  severity?: Severity;
  state?: PlaybookState;
  /** The state as people read it: `Contained (already)`. */
  stateLabel?: string;
  /** The playbook's page in the Temporal Web UI. */
  uiUrl?: string;
}

/** A principal the link's steps touch, with its triage card once discovery filled it. */
export interface LinkedPrincipal {
  key: string;
  label: string;
  card?: TriageCard;
}

/** What every page that knows its link shows around its own message. */
export interface LinkContext {
  link: ApprovalLink;
  incident: LinkIncident;
  principals: LinkedPrincipal[];
  actions: LinkedAction[];
  left: LeftStep[];
}

/** What a link's page says; rendered as HTML for people and JSON for scripts and tests. */
export type LinkView =
  /** The steps it can still decide, to check and confirm; `effect` says what the decision does. */
  | ({ kind: 'confirm'; effect: string[] } & LinkContext)
  /** Its decision: made just now, or (`earlier`) the one it was used for — each link works once. */
  | ({ kind: 'decided'; decision: Decision; earlier: boolean } & LinkContext)
  /** Nothing is left for it to decide: who decided what instead. */
  | ({ kind: 'settled'; title: string; message: string } & LinkContext)
  /** `again`: the link still works, and the page offers to go back to its steps. */
  | ({ kind: 'problem'; title: string; message: string; again?: boolean } & Partial<LinkContext>);

const VERB: Record<Verdict, { button: string; past: string; effect: string }> = {
  approve: {
    button: 'Approve',
    past: 'approved',
    effect: "They run once they have the approvals this playbook's policy asks for.",
  },
  reject: { button: 'Reject', past: 'rejected', effect: 'They will never run: one rejection stands at once.' },
  release: {
    button: 'Release',
    past: 'released',
    effect: 'Revoker undoes these containment steps (a false positive): access comes back.',
  },
};

/** The hidden field of the page's form: it tells a choice with every box unchecked from a POST with no form. */
export const CHOICE_FIELD = 'choice';
export const CHOICE_VALUE = 'checked';

/** What a verdict does without the run's policy to word it from (a worker older than the approvalRules Query). */
export function verdictEffect(verdict: Verdict): string {
  return VERB[verdict].effect;
}

const STYLE = [
  'body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:56rem;padding:0 1rem;color:#1b1f24}',
  'table{border-collapse:collapse;width:100%;margin:1rem 0}',
  'th,td{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left;vertical-align:top}',
  'code{font-size:90%;word-break:break-all}',
  'button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0969da;color:#fff;cursor:pointer}',
  '.reject button,.release button{background:#cf222e}.muted{color:#57606a}.small{font-size:90%}',
  '.incident{border-left:4px solid #0969da;padding:.2rem .8rem;margin:1rem 0}',
  '.sev{font-weight:600;text-transform:uppercase;font-size:85%}.sev-high,.sev-critical{color:#cf222e}',
  '.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem;flex:1 1 20rem}',
  '.card h2{font-size:1rem;margin:.2rem 0}.card ul{margin:.2rem 0;padding-left:1.2rem}',
  'input[type=checkbox]{width:1.1rem;height:1.1rem}',
].join('');

// A plain string, not part of the html`` template, so formatting never changes the hashed bytes.
const STYLE_ELEMENT = raw(`<style>${STYLE}</style>`);

/**
 * The headers of every link response. The token is in the URL: no cache keeps it and no Referer
 * carries it to another site (the Temporal UI link included). The page loads nothing, runs no script
 * and cannot be framed (so a click cannot be hijacked); its one form posts back to itself.
 */
export const LINK_SECURITY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex, nofollow',
};

export function linkJson(view: LinkView): Record<string, unknown> {
  const bound = view.link && {
    workflowId: view.link.workflowId,
    runId: view.link.runId,
    verdict: view.link.verdict,
    approver: view.link.approver,
    expiresAt: view.link.expiresAt.toISOString(),
  };
  const context = {
    ...bound,
    ...(view.incident ? { incident: view.incident } : {}),
    ...(view.principals ? { principals: view.principals } : {}),
    ...(view.actions ? { actions: view.actions } : {}),
    ...(view.left ? { left: view.left } : {}),
  };
  switch (view.kind) {
    case 'confirm':
      return {
        page: view.kind,
        ...context,
        effect: view.effect,
        decide: 'POST choice=checked&actions=<id>&actions=<id>… here; no body decides every step it can',
      };
    case 'decided':
      return { page: view.kind, ...context, decision: view.decision, earlier: view.earlier };
    case 'settled':
    case 'problem':
      return { page: view.kind, error: view.message, ...context };
  }
}

export async function linkHtml(view: LinkView): Promise<string> {
  const { link } = view;
  const verb = link ? VERB[link.verdict] : undefined;
  const choosable = view.actions?.filter((a) => a.choosable) ?? [];
  const title =
    view.kind === 'problem' || view.kind === 'settled'
      ? view.title
      : view.kind === 'decided'
        ? view.earlier
          ? 'This link was already used'
          : `Done: ${verb?.button.toLowerCase() ?? ''} recorded`
        : `${verb?.button ?? ''} ${choosable.length} step(s) as ${link?.approver ?? ''}?`;
  const about = link
    ? html`<p class="muted small">
        Playbook <code>${link.workflowId}</code> (run <code>${link.runId}</code>) · link for
        <strong>${link.approver}</strong> · expires <time>${link.expiresAt.toISOString()}</time> · works once
      </p>`
    : '';
  const body =
    view.kind === 'confirm'
      ? confirmBody(view, verb?.button ?? '')
      : view.kind === 'decided'
        ? decidedBody(view)
        : html`<p>${view.message}</p>
            ${view.kind === 'problem' && view.again ? html`<p><a href="">Back to this link's steps</a></p>` : ''}
            ${notes(view)} ${view.actions?.length ? stepsTable(view.actions, link?.verdict, false) : ''}`;
  const page = await html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>Revoker: ${title}</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${incidentBlock(view.incident)} ${about} ${cards(view.principals ?? [])} ${body}
        </main>
      </body>
    </html>`;
  return page.toString();
}

function confirmBody(view: Extract<LinkView, { kind: 'confirm' }>, button: string) {
  const { link } = view;
  return html`<ul class="effect">
      ${view.effect.map((sentence) => html`<li>${sentence}</li>`)}
    </ul>
    ${notes(view)}
    <form method="post" class="${link.verdict}">
      <input type="hidden" name="${CHOICE_FIELD}" value="${CHOICE_VALUE}" />
      ${stepsTable(view.actions, link.verdict, true)}
      <button type="submit">${button} the checked steps as ${link.approver}</button>
    </form>
    <p class="muted">
      Nothing is decided until you press the button. Steps you uncheck keep waiting, and the playbook sends fresh links
      for them.
    </p>`;
}

function decidedBody(view: Extract<LinkView, { kind: 'decided' }>) {
  const { decision } = view;
  return html`<p>
      ${view.earlier ? 'This link was used: the' : 'The'} playbook recorded the ${decision.verdict} of
      ${decision.actions.length} step(s) by <strong>${decision.approver}</strong> at <time>${decision.at}</time>.
      ${view.earlier ? 'Each link works once.' : ''}
    </p>
    ${decision.note ? html`<p>Note: ${decision.note}</p>` : ''} ${notes(view)}
    ${stepsTable(view.actions, view.link.verdict, false)}
    <p class="muted">The Temporal UI and <code>revoker status</code> show how it goes from here.</p>`;
}

function incidentBlock(incident: LinkIncident | undefined) {
  if (!incident) return '';
  const { handle, title, severity, state, stateLabel, uiUrl } = incident;
  const named = [
    handle ? html`<strong>${handle}</strong>` : undefined,
    severity ? html`<span class="sev sev-${severity}">${severity}</span>` : undefined,
    title ? html`${title}` : undefined,
    state ? html`<span class="muted">${stateLabel ?? state}</span>` : undefined,
  ].filter((part) => part !== undefined);
  if (!named.length && !uiUrl) return '';
  return html`<section class="incident">
    ${named.map((part, i) => html`${i ? ' · ' : ''}${part}`)}
    ${uiUrl ? html`<br /><a href="${uiUrl}" rel="noreferrer noopener">Open the playbook in the Temporal UI</a>` : ''}
  </section>`;
}

/** The notes on steps that stay in force for other incidents, and on steps this link leaves. */
function notes(view: LinkView) {
  const staying = view.actions?.filter((a) => a.alsoHeldBy?.length && !a.kept) ?? [];
  const kept = view.actions?.filter((a) => a.kept) ?? [];
  const when = view.kind === 'confirm' ? 'after this release' : 'for now';
  const stayNote = staying.length
    ? html`<p>
        <strong>${staying.length} of these stay in force ${when}</strong>: another incident holds them too, and a
        control comes off only when the last incident holding it releases it.
      </p>`
    : '';
  const keptNote = kept.length
    ? html`<p><strong>${kept.length} of these were kept in force</strong>: another incident still holds them.</p>`
    : '';
  const left = view.left ?? [];
  const leftNote =
    left.length && view.kind !== 'problem'
      ? html`<p>
            <strong>${left.length} of this link's steps ${view.kind === 'confirm' ? 'are left' : 'were left'}</strong>:
          </p>
          <ul>
            ${left.map(({ id, why }) => html`<li><code>${id}</code>: ${why}</li>`)}
          </ul>`
      : '';
  return html`${stayNote}${keptNote}${leftNote}`;
}

function stepsTable(actions: LinkedAction[], verdict: Verdict | undefined, choosing: boolean) {
  const what = verdict === 'release' ? 'What the release undoes' : 'What it does';
  const effectColumn = choosing && actions.some((a) => a.effect);
  return html`<table>
    <thead>
      <tr>
        ${choosing ? html`<th>${verdict ? VERB[verdict].button : ''}</th>` : ''}
        <th>${what}</th>
        ${effectColumn ? html`<th>Your approval</th>` : ''}
        <th>Now</th>
      </tr>
    </thead>
    <tbody>
      ${actions.map((a, i) => stepRow(a, i, choosing, effectColumn))}
    </tbody>
  </table>`;
}

function stepRow(a: LinkedAction, i: number, choosing: boolean, effectColumn: boolean) {
  const held = a.alsoHeldBy?.length
    ? html`<br /><strong>${a.kept ? 'kept in force' : 'stays'}</strong>: also held by
        ${a.alsoHeldBy.map((id, j) => html`${j ? ', ' : ''}<code>${id}</code>`)}`
    : '';
  const decided = a.decided?.length
    ? html`<br /><span class="small">${a.decided.map((d, j) => html`${j ? '; ' : ''}${d}`)}</span>`
    : '';
  const box = a.choosable
    ? html`<input type="checkbox" name="actions" value="${a.id}" id="step-${i}" checked />`
    : html`<span class="muted" title="not decided by this link">–</span>`;
  // The description is the box's label: what a person reads; the id is what the CLI and the UI's Signals take.
  const description = choosing && a.choosable ? html`<label for="step-${i}">${a.description}</label>` : a.description;
  return html`<tr>
    ${choosing ? html`<td>${box}</td>` : ''}
    <td>
      ${description}<br /><code class="muted small">${a.id}</code>
      ${a.reason ? html`<br /><span class="muted small">Why: ${a.reason}</span>` : ''}
    </td>
    ${effectColumn ? html`<td class="small">${a.effect ?? ''}</td>` : ''}
    <td>${a.status}${held}${decided}</td>
  </tr>`;
}

/** Each principal's triage card, compactly: who it is, what it reaches, when it was last used. */
function cards(principals: LinkedPrincipal[]) {
  if (!principals.length) return '';
  return html`<section class="cards" aria-label="Principals">
    ${principals.map(({ label, card }) =>
      card
        ? html`<div class="card">
            <h2>${card.name}</h2>
            <div class="small"><code>${card.id}</code> · ${card.kind}</div>
            ${
              card.reach.length
                ? html`<ul class="small">
                    ${card.reach.map((line) => html`<li>${line}</li>`)}
                    ${card.reachMore ? html`<li class="muted">and ${card.reachMore} more</li>` : ''}
                  </ul>`
                : ''
            }
            ${
              card.lastUsed
                ? html`<div class="small">
                    Last used <time>${card.lastUsed.at}</time>${[
                      card.lastUsed.region,
                      card.lastUsed.service,
                      card.lastUsed.credential,
                    ]
                      .filter(Boolean)
                      .map((part) => html` · ${part}`)}
                  </div>`
                : ''
            }
            ${card.facts.length ? html`<div class="muted small">${card.facts.join(' · ')}</div>` : ''}
          </div>`
        : html`<div class="card"><h2>${label}</h2></div>`,
    )}
  </section>`;
}
