/** Google's JSON timestamps for keys are RFC 3339 with second precision, e.g. 2026-06-01T08:05:00Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
