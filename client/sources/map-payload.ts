import { Alert } from '../../domain/alert.js';
import { describeIssues } from '../../connect/field-issues.js';
import {
  IgnoredAlert,
  UnmappableAlert,
  type Ignored,
  type MissingField,
  type SourceAdapter,
} from './source-adapter.js';

/**
 * Where a payload stopped: not the source's format, nothing Revoker can contain, or a mapping to an
 * invalid alert (an identifier in the wrong format). Each issue names its field.
 */
export type Mapping =
  { ok: true; alert: Alert } | { ok: false; stage: 'payload' | 'unmappable' | 'mapped'; issues: MissingField[] };

/** A mapping, or the source's word that the alert is closed and needs nothing. */
export type Intake = Mapping | { ok: false; stage: 'ignored'; ignored: Ignored };

/**
 * A source's payload → a validated alert, or why it starts nothing: the one path of the webhook
 * routes, which answer an ignored alert 200 so that the SIEM does not send it again.
 */
export function mapIntake(source: SourceAdapter, json: unknown): Intake {
  const payload = source.schema.safeParse(json);
  if (!payload.success) return { ok: false, stage: 'payload', issues: fieldIssues(payload.error) };
  let mapped: unknown;
  try {
    mapped = source.toAlert(payload.data);
  } catch (error) {
    if (error instanceof IgnoredAlert) return { ok: false, stage: 'ignored', ignored: error.ignored };
    if (error instanceof UnmappableAlert) return { ok: false, stage: 'unmappable', issues: error.issues };
    throw error;
  }
  const alert = Alert.safeParse(mapped);
  if (alert.success) return { ok: true, alert: alert.data };
  const issues = fieldIssues(alert.error).map((i) => ({ ...i, field: `(mapped alert) ${i.field}` }));
  return { ok: false, stage: 'mapped', issues };
}

/**
 * mapIntake for callers that want an alert or a refusal (`revoker dry-run --source`): an alert its
 * source has closed is nothing to contain, and says why under the field that closed it.
 */
export function mapPayload(source: SourceAdapter, json: unknown): Mapping {
  const intake = mapIntake(source, json);
  if (intake.ok || intake.stage !== 'ignored') return intake;
  const { field, reason } = intake.ignored;
  return { ok: false, stage: 'unmappable', issues: [{ field, message: `${reason}: Revoker ignores it` }] };
}

function fieldIssues(error: Parameters<typeof describeIssues>[0]): MissingField[] {
  return describeIssues(error).map(({ field, message }) => ({ field: field || '(body)', message }));
}
