import type { z } from 'zod';
import type { Alert } from '../../domain/alert.js';

/** One thing a source's payload lacks for Revoker's alert, named by its path in that payload. */
export interface MissingField {
  field: string;
  message: string;
}

/**
 * Thrown by an adapter when a payload is valid for its source but cannot become an alert (no
 * principal Revoker can contain, an unknown finding type): answered 422 with the fields, nothing started.
 */
export class UnmappableAlert extends Error {
  override readonly name = 'UnmappableAlert';

  constructor(readonly issues: MissingField[]) {
    super(`cannot map the alert: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

/** Why an alert starts nothing although it is well formed: its source has closed it. */
export interface Ignored {
  /** The payload field that says so (`object.properties.status`, `detail.service.archived`). */
  field: string;
  /** For the SIEM's log and Revoker's, e.g. "Sentinel incident is Closed (FalsePositive)". */
  reason: string;
  /** The source's id for the alert, when the payload has one. */
  alertId?: string;
}

/**
 * Thrown by an adapter when the source itself says the alert needs nothing: it is closed, resolved,
 * dismissed, archived, muted or classified a false positive. Containing it would undo an analyst's
 * decision, and refusing it would make the SIEM retry: the intake answers 200 `ignored` with the
 * reason, and nothing starts.
 */
export class IgnoredAlert extends Error {
  override readonly name = 'IgnoredAlert';

  constructor(readonly ignored: Ignored) {
    super(`ignored (${ignored.field}): ${ignored.reason}`);
  }
}

/**
 * A SIEM's native webhook: its payload as the vendor documents it, and the mapping to Revoker's
 * normalized alert. One file per source under client/sources/, registered in ./index.ts.
 */
export interface SourceAdapter<Payload = unknown> {
  /** The route segment (`POST /alerts/<name>`), the alert's `source` and the prefix of its env settings. */
  name: string;
  /** What people call it, for errors and docs, e.g. "Microsoft Sentinel". */
  label: string;
  /** The source's own payload; refused with 422 naming the wrong fields when it does not parse. */
  schema: z.ZodType<Payload>;
  /**
   * Payload → alert. Throws IgnoredAlert when the source has closed the alert (checked first, so a
   * closed alert is never refused), UnmappableAlert naming what is missing. The result is validated
   * again against the Alert schema, so an identifier in the wrong format is refused with its field.
   * A field used only for display (a title, a console link's region) never refuses the alert: the
   * adapter falls back or leaves it out.
   */
  toAlert(payload: Payload): Alert;
  /** Whether the source can only authenticate with a token in the URL (`?token=`): Splunk, Pub/Sub push. */
  urlToken?: boolean;
}

/** Builds an adapter with its payload type inferred from the schema. */
export function defineSource<S extends z.ZodType>(adapter: SourceAdapter<z.infer<S>> & { schema: S }): SourceAdapter {
  return adapter;
}
