import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Severity } from '../../domain/alert.js';
import { principalKey, type Principal } from '../../domain/principal.js';

// Small readers of the fields every source's alert has (severity, time, link, id), shared by the adapters.

/**
 * A SIEM's severity or urgency word. Splunk ES and Elastic both use informational/low/medium/high/
 * critical; Revoker has no "informational", so it reads as low. Anything else is not a severity.
 */
export function severityOf(value: string | undefined): Severity | undefined {
  switch (value?.trim().toLowerCase()) {
    case 'informational':
    case 'info':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
      return 'high';
    case 'critical':
      return 'critical';
    default:
      return undefined;
  }
}

const SEVERITY_ORDER: Severity[] = ['low', 'medium', 'high', 'critical'];

export function highestSeverity(severities: Severity[]): Severity | undefined {
  return severities.reduce<Severity | undefined>(
    (highest, s) => (!highest || SEVERITY_ORDER.indexOf(s) > SEVERITY_ORDER.indexOf(highest) ? s : highest),
    undefined,
  );
}

/** Principals in first-seen order, each once. */
export function uniquePrincipals(principals: Principal[]): Principal[] {
  const seen = new Map<string, Principal>();
  for (const principal of principals) {
    const key = `${principal.type}:${principalKey(principal)}`;
    if (!seen.has(key)) seen.set(key, principal);
  }
  return [...seen.values()];
}

/** A short, stable digest of some identifying parts, for alert ids a source does not give. */
export function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** An http(s) URL, or nothing: a link is a convenience, never a reason to refuse an alert. */
export function httpUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A payload field read only for display (a title, a name in a message): its text, or nothing when it
 * is missing, empty or not a string. Never a reason to refuse an alert.
 */
export const displayText = z.string().trim().min(1).nullish().catch(undefined);

/** A timestamp that has a fallback (the detection's time before the record's): ISO 8601, or nothing. */
export const fallbackTimestamp = z.iso.datetime({ offset: true }).nullish().catch(undefined);

/**
 * A payload that comes in one of two shapes (a finding inside its EventBridge envelope, or bare),
 * told apart by `isFirst` before either is parsed: a refusal then names the fields of the shape the
 * sender meant, where a union would report whichever branch failed deeper.
 */
export function eitherShape<A extends z.ZodType, B extends z.ZodType>(
  isFirst: (value: Record<string, unknown>) => boolean,
  first: A,
  second: B,
) {
  return z.unknown().transform((value, ctx): z.output<A> | z.output<B> => {
    const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const result = (isFirst(record) ? first : second).safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });
}

/**
 * `encodeURIComponent` for text from a payload: a lone UTF-16 surrogate (valid in JSON, `"\\ud800"`)
 * makes encodeURIComponent throw, so it becomes U+FFFD first, as String.prototype.toWellFormed does.
 * A console link is a convenience and never a reason to refuse, or fail on, an alert.
 */
export function urlComponent(value: string): string {
  return encodeURIComponent(
    value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}

/** An AWS Region such as us-east-1 (or us-gov-west-1), or nothing: it only ever builds a console link. */
export function awsRegion(value: string | null | undefined): string | undefined {
  return value && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(value) ? value : undefined;
}

/** An ISO 8601 timestamp or unix seconds (Splunk's `_time`) → ISO 8601 UTC, or nothing. */
export function isoTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d{9,11}(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed);
  return Number.isFinite(ms) && /\d/.test(trimmed) ? new Date(ms).toISOString() : undefined;
}
