import { invalid } from './errors.js';
import type { UserRecord } from './state.js';

/**
 * The part of the Directory API's user search language (guides/search-users) the simulator understands: clauses
 * separated by spaces, all of which must match (implicit AND), values optionally in single or double quotes.
 *
 * - `email`, `givenName`, `familyName`, `name` (given + family) with `=` (exact), `:` (contains) and `:PREFIX*`
 *   (starts with); `email` also matches aliases. Case-insensitive.
 * - `isAdmin`, `isSuspended`, `isDelegatedAdmin`, `isArchived` with `=true|false`.
 * - `orgUnitPath='/Path'`: the unit and everything under it.
 * - a bare word: contained in the given name, family name or email.
 *
 * Anything else is refused with 400 `invalid` (`Invalid Input`), rather than silently matching everyone.
 */
export type UserPredicate = (user: UserRecord) => boolean;

const TEXT_FIELDS: Record<string, (user: UserRecord) => string[]> = {
  email: (u) => [u.primaryEmail, ...u.aliases],
  givenName: (u) => [u.givenName],
  familyName: (u) => [u.familyName],
  name: (u) => [`${u.givenName} ${u.familyName}`],
};

const BOOLEAN_FIELDS: Record<string, (user: UserRecord) => boolean> = {
  isAdmin: (u) => u.isAdmin,
  isSuspended: (u) => u.suspended,
  isDelegatedAdmin: () => false,
  isArchived: () => false,
};

function tokenize(query: string): string[] {
  const clauses: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of query) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (/\s/.test(ch)) {
      if (current !== '') clauses.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quote !== undefined) throw invalid();
  if (current !== '') clauses.push(current);
  return clauses;
}

const unquote = (value: string) => {
  const match = /^(['"])(.*)\1$/.exec(value);
  return match ? (match[2] ?? '') : value;
};

function clause(text: string): UserPredicate {
  const match = /^([A-Za-z]+)(=|:)(.*)$/.exec(text);
  if (!match) {
    const word = unquote(text).toLowerCase();
    return (u) => [u.givenName, u.familyName, u.primaryEmail].some((v) => v.toLowerCase().includes(word));
  }
  const [, field = '', operator, raw = ''] = match;
  const value = unquote(raw);
  const textField = TEXT_FIELDS[field];
  if (textField) {
    const wanted = value.toLowerCase();
    if (operator === '=') return (u) => textField(u).some((v) => v.toLowerCase() === wanted);
    if (wanted.endsWith('*')) {
      const prefix = wanted.slice(0, -1);
      return (u) => textField(u).some((v) => v.toLowerCase().startsWith(prefix));
    }
    return (u) => textField(u).some((v) => v.toLowerCase().includes(wanted));
  }
  const booleanField = BOOLEAN_FIELDS[field];
  if (booleanField) {
    if (operator !== '=' || (value !== 'true' && value !== 'false')) throw invalid();
    const wanted = value === 'true';
    return (u) => booleanField(u) === wanted;
  }
  if (field === 'orgUnitPath' && operator === '=') {
    const path = value.replace(/\/+$/, '') || '/';
    return (u) => path === '/' || u.orgUnitPath === path || u.orgUnitPath.startsWith(`${path}/`);
  }
  throw invalid();
}

export function parseUserQuery(query: string | null): UserPredicate {
  if (query === null || query.trim() === '') return () => true;
  const predicates = tokenize(query).map(clause);
  return (user) => predicates.every((p) => p(user));
}

export type OrderBy = 'email' | 'givenName' | 'familyName';

export function sortKey(user: UserRecord, orderBy: OrderBy): [string, string] {
  const primary =
    orderBy === 'givenName' ? user.givenName : orderBy === 'familyName' ? user.familyName : user.primaryEmail;
  return [primary.toLowerCase(), user.primaryEmail];
}

export function compareKeys(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

/** What a page token carries: where the last page ended, and the listing it belongs to. */
interface PageToken {
  after: [string, string];
  listing: string;
}

export const encodePageToken = (token: PageToken) => Buffer.from(JSON.stringify(token)).toString('base64url');

export function decodePageToken(text: string, listing: string): PageToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageToken>;
    const after = token.after;
    if (
      token.listing === listing &&
      Array.isArray(after) &&
      after.length === 2 &&
      after.every((part) => typeof part === 'string')
    ) {
      return { after: [after[0], after[1]], listing };
    }
  } catch {
    // falls through to the refusal
  }
  throw invalid('Invalid page token');
}
