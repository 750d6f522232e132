import { z } from 'zod';

/** The dev server's Web UI (`temporal server start-dev`), the default of `REVOKER_UI_URL`. */
export const DEFAULT_UI_URL = 'http://localhost:8233';

/** `REVOKER_UI_URL` as the worker and the webhook read it: links in replies, reports and notifications. */
export const UiBaseUrl = z
  .url({ protocol: /^https?$/, error: `the Temporal Web UI base URL, e.g. ${DEFAULT_UI_URL}` })
  .default(DEFAULT_UI_URL);

/** A workflow's page in the Temporal Web UI; with a run id, that run's history. */
export function workflowUiUrl(uiBaseUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
