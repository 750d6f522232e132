/** A zod error's issues as `field: message; …` (the first `max` of them), for refusals and ignored messages. */
export function describeIssues(error: { issues: { path: PropertyKey[]; message: string }[] }, max = Infinity): string {
  const shown = error.issues.slice(0, max).map((i) => `${i.path.map(String).join('.') || 'payload'}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** A reason short enough to keep: a crafted payload must not grow a status with its own text. */
export function brief(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
