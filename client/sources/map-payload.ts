import { Alert } from '../../domain/alert.js';
import { describeIssues } from '../webhook/validation.js';
import { UnmappableAlert, type MissingField, type SourceAdapter } from './source-adapter.js';

/**
 * Where a payload stopped: not the source's format, nothing Revoker can contain, or a mapping to an
 * invalid alert (an identifier in the wrong format). Each issue names its field.
 */
export type Mapping =
  { ok: true; alert: Alert } | { ok: false; stage: 'payload' | 'unmappable' | 'mapped'; issues: MissingField[] };

/** A source's payload → a validated alert: the one path of the webhook routes and `revoker dry-run --source`. */
export function mapPayload(source: SourceAdapter, json: unknown): Mapping {
  const payload = source.schema.safeParse(json);
  if (!payload.success) return { ok: false, stage: 'payload', issues: fieldIssues(payload.error) };
  let mapped: unknown;
  try {
    mapped = source.toAlert(payload.data);
  } catch (error) {
    if (error instanceof UnmappableAlert) return { ok: false, stage: 'unmappable', issues: error.issues };
    throw error;
  }
  const alert = Alert.safeParse(mapped);
  if (alert.success) return { ok: true, alert: alert.data };
  const issues = fieldIssues(alert.error).map((i) => ({ ...i, field: `(mapped alert) ${i.field}` }));
  return { ok: false, stage: 'mapped', issues };
}

function fieldIssues(error: Parameters<typeof describeIssues>[0]): MissingField[] {
  return describeIssues(error).map(({ field, message }) => ({ field: field || '(body)', message }));
}
