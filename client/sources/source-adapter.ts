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
   * Payload → alert. Throws UnmappableAlert naming what is missing. The result is validated again
   * against the Alert schema, so an identifier in the wrong format is refused with its field.
   */
  toAlert(payload: Payload): Alert;
  /** Whether the source can only authenticate with a token in the URL (`?token=`): Splunk, Pub/Sub push. */
  urlToken?: boolean;
}

/** Builds an adapter with its payload type inferred from the schema. */
export function defineSource<S extends z.ZodType>(adapter: SourceAdapter<z.infer<S>> & { schema: S }): SourceAdapter {
  return adapter;
}
