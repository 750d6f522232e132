const cache = new Map<string, RegExp>();

/** IAM glob matching: `*` matches any run of characters (including none), `?` exactly one. */
export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let regex = cache.get(cacheKey);
  if (!regex) {
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    cache.set(cacheKey, regex);
  }
  return regex.test(value);
}

/**
 * Replaces IAM policy variables such as `${aws:username}`; `${*}`, `${?}` and `${$}` are the documented escapes,
 * and `${key, 'default'}` supplies a fallback. Returns undefined when a referenced key is absent, which makes
 * the element not match (AWS behaviour for missing variables).
 */
export function substituteVariables(text: string, keys: ReadonlyMap<string, string>): string | undefined {
  let missing = false;
  const out = text.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner === '*' || inner === '?' || inner === '$') return inner;
    const [name, fallback] = inner.split(',').map((part) => part.trim());
    const value = keys.get((name ?? '').toLowerCase());
    if (value !== undefined) return value;
    const quoted = /^'(.*)'$/.exec(fallback ?? '');
    if (quoted?.[1] !== undefined) return quoted[1];
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}
