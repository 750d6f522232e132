import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';
import type { Decision, Verdict } from '../../domain/decision.js';
import type { ApprovalLink } from '../../connect/link-token.js';

/** A bound action as the page shows it: what it does and where it stands now. */
export interface LinkedAction {
  id: string;
  description: string;
  status: string;
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

/** What a link's page says; rendered as HTML for people and JSON for scripts and tests. */
export type LinkView =
  | { kind: 'confirm'; link: ApprovalLink; actions: LinkedAction[]; left: LeftStep[] }
  | { kind: 'decided'; link: ApprovalLink; actions: LinkedAction[]; decision: Decision; left: LeftStep[] }
  | {
      kind: 'problem';
      title: string;
      message: string;
      link?: ApprovalLink;
      actions?: LinkedAction[];
      left?: LeftStep[];
    };

const VERB: Record<Verdict, { button: string; effect: string }> = {
  approve: {
    button: 'Approve',
    effect:
      'They run once they have the approvals the policy asks for (two different people for a destructive step under four eyes).',
  },
  reject: { button: 'Reject', effect: 'They will never run.' },
  release: {
    button: 'Release',
    effect: 'Revoker undoes these containment steps (a false positive): access comes back.',
  },
};

const STYLE = [
  'body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#1b1f24}',
  'table{border-collapse:collapse;width:100%;margin:1rem 0}',
  'th,td{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left;vertical-align:top}',
  'code{font-size:90%;word-break:break-all}',
  'button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0969da;color:#fff;cursor:pointer}',
  '.reject button,.release button{background:#cf222e}.muted{color:#57606a}',
].join('');

// A plain string, not part of the html`` template, so formatting never changes the hashed bytes.
const STYLE_ELEMENT = raw(`<style>${STYLE}</style>`);

/**
 * The headers of every link response. The token is in the URL: no cache keeps it and no Referer
 * carries it to another site. The page loads nothing, runs no script and cannot be framed (so a
 * click cannot be hijacked); its one form posts back to itself.
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
  switch (view.kind) {
    case 'confirm':
      return { ...bound, actions: view.actions, left: view.left, decide: 'POST to this URL' };
    case 'decided':
      return { ...bound, actions: view.actions, decision: view.decision, left: view.left };
    case 'problem':
      return {
        error: view.message,
        ...bound,
        ...(view.actions ? { actions: view.actions } : {}),
        ...(view.left ? { left: view.left } : {}),
      };
  }
}

export async function linkHtml(view: LinkView): Promise<string> {
  const { link } = view;
  const verb = link ? VERB[link.verdict] : undefined;
  const title =
    view.kind === 'problem'
      ? view.title
      : view.kind === 'decided'
        ? `Done: ${verb?.button.toLowerCase() ?? ''} recorded`
        : `${verb?.button ?? ''} ${view.actions.length - view.left.length} step(s) as ${link?.approver ?? ''}?`;
  const about = link
    ? html`<p class="muted">
        Playbook <code>${link.workflowId}</code> (run <code>${link.runId}</code>) · link for
        <strong>${link.approver}</strong> · expires <time>${link.expiresAt.toISOString()}</time> · works once
      </p>`
    : '';
  const actions = view.actions?.length
    ? html`<table>
        <thead>
          <tr>
            <th>Step</th>
            <th>${link?.verdict === 'release' ? 'What the release undoes' : 'What it does'}</th>
            <th>Now</th>
          </tr>
        </thead>
        <tbody>
          ${view.actions.map(
            (a) =>
              html`<tr>
                <td><code>${a.id}</code></td>
                <td>${a.description}</td>
                <td>
                  ${a.status}${
                    a.alsoHeldBy?.length
                      ? html`<br /><strong>${a.kept ? 'kept in force' : 'stays'}</strong>: also held by
                          ${a.alsoHeldBy.map((id, i) => html`${i ? ', ' : ''}<code>${id}</code>`)}`
                      : ''
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`
    : '';
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
  const leftNote = left.length
    ? html`<p>
          <strong>${left.length} of this link's steps ${view.kind === 'confirm' ? 'are left' : 'were left'}</strong>:
        </p>
        <ul>
          ${left.map(({ id, why }) => html`<li><code>${id}</code>: ${why}</li>`)}
        </ul>`
    : '';
  const shared = html`${stayNote}${keptNote}${view.kind === 'problem' ? '' : leftNote}`;
  const body =
    view.kind === 'confirm'
      ? html`<p>${verb?.effect}</p>
          ${shared} ${actions}
          <form method="post" class="${link?.verdict}">
            <button type="submit">${verb?.button} as ${link?.approver}</button>
          </form>
          <p class="muted">Nothing is decided until you press the button.</p>`
      : view.kind === 'decided'
        ? html`<p>
              The playbook recorded the ${view.decision.verdict} of ${view.decision.actions.length} step(s) by
              <strong>${view.decision.approver}</strong> at <time>${view.decision.at}</time>.
            </p>
            ${view.decision.note ? html`<p>Note: ${view.decision.note}</p>` : ''} ${shared} ${actions}
            <p class="muted">The Temporal UI and <code>revoker status</code> show how it goes from here.</p>`
        : html`<p>${view.message}</p>
            ${actions}`;
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
          ${about} ${body}
        </main>
      </body>
    </html>`;
  return page.toString();
}
