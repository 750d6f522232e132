import { isDeepStrictEqual } from 'node:util';
import { badRequest, invalid, notAuthorized } from './errors.js';
import { noBody, resolveUser, type OperationHandler } from './operation-context.js';
import { listJson, userJson } from './shapes.js';
import { compareKeys, decodePageToken, encodePageToken, parseUserQuery, sortKey, type OrderBy } from './user-query.js';

export const getUser: OperationHandler = (ctx) => userJson(ctx.state, resolveUser(ctx));

const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;
const ORDER_BY: readonly OrderBy[] = ['email', 'givenName', 'familyName'];

/**
 * users.list: `customer` (`my_customer` or the customer id) or `domain` is required; `maxResults` 1-500 (default
 * 100), `pageToken`, `orderBy` (email, givenName, familyName), `sortOrder`, `query` (user-query.ts). `projection`,
 * `viewType`, `customFieldMask`, `showDeleted` and `fields` are accepted and change nothing: full resources.
 */
export const listUsers: OperationHandler = (ctx) => {
  const { state, query } = ctx;
  const customer = query.get('customer');
  const domain = query.get('domain');
  if (customer === null && domain === null) throw badRequest();
  if (customer !== null && customer !== 'my_customer' && customer !== state.customerId) throw notAuthorized();
  if (domain !== null && domain.toLowerCase() !== state.domain) throw notAuthorized();

  const maxText = query.get('maxResults');
  const max = maxText === null ? DEFAULT_PAGE : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
    throw invalid(`Invalid value '${maxText}'. Values must be within the range: [1, ${MAX_PAGE}]`);
  }
  const orderBy = (query.get('orderBy') ?? 'email') as OrderBy;
  if (!ORDER_BY.includes(orderBy)) throw invalid(`Invalid value '${orderBy}' for orderBy`);
  const sortOrder = (query.get('sortOrder') ?? 'ASCENDING').toUpperCase();
  if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING')
    throw invalid(`Invalid value '${sortOrder}' for sortOrder`);
  const direction = sortOrder === 'ASCENDING' ? 1 : -1;
  const matches = parseUserQuery(query.get('query'));

  // A page token belongs to one listing (order and filter); another listing refuses it.
  const listing = JSON.stringify([orderBy, sortOrder, query.get('query') ?? '', customer ?? '', domain ?? '']);
  const pageToken = query.get('pageToken');
  const after = pageToken === null || pageToken === '' ? undefined : decodePageToken(pageToken, listing).after;

  const sorted = [...state.users.values()]
    .filter(matches)
    .map((user) => ({ user, key: sortKey(user, orderBy) }))
    .sort((a, b) => direction * compareKeys(a.key, b.key));
  const rest = after === undefined ? sorted : sorted.filter(({ key }) => direction * compareKeys(key, after) > 0);
  const page = rest.slice(0, max);
  const last = page[page.length - 1];
  const more = rest.length > page.length && last !== undefined;
  return listJson(
    state,
    'admin#directory#users',
    'users',
    page.map(({ user }) => userJson(state, user)),
    more ? { nextPageToken: encodePageToken({ after: last.key, listing }) } : {},
  );
};

/** Fields Google computes: sent back in a PUT of a fetched user, they are ignored, as Google ignores them. */
const OUTPUT_ONLY = new Set([
  'kind',
  'id',
  'etag',
  'isAdmin',
  'isDelegatedAdmin',
  'lastLoginTime',
  'creationTime',
  'agreedToTerms',
  'suspensionReason',
  'suspensionTime',
  'customerId',
  'isMailboxSetup',
  'isEnrolledIn2Sv',
  'isEnforcedIn2Sv',
  'aliases',
  'nonEditableAliases',
  'thumbnailPhotoUrl',
  'thumbnailPhotoEtag',
  'deletionTime',
  'archivalTime',
]);

/**
 * users.update and users.patch. Google documents update as supporting patch semantics too, so both change only
 * the fields sent. Modelled: `suspended` (true sets `suspensionReason: ADMIN` and ends the user's web sessions;
 * false clears it), `name.givenName`/`name.familyName` and `orgUnitPath`. Other fields may be sent unchanged (a PUT
 * of a fetched user); changing one is refused with 400 `invalid`, naming it.
 */
export const updateUser: OperationHandler = (ctx) => {
  const user = resolveUser(ctx);
  const current = userJson(ctx.state, user) as Record<string, unknown>;
  const changes: string[] = [];
  const next = { ...user };
  for (const [field, value] of Object.entries(ctx.body)) {
    if (OUTPUT_ONLY.has(field)) continue;
    if (field === 'suspended') {
      if (typeof value !== 'boolean') throw invalid(`Invalid value for: suspended is not a valid boolean`);
      if (value !== user.suspended) changes.push(`suspended=${String(value)}`);
      next.suspended = value;
      continue;
    }
    if (field === 'name') {
      const name = value as Record<string, unknown> | null;
      if (typeof name !== 'object' || name === null) throw invalid('Invalid Input: name');
      for (const part of ['givenName', 'familyName'] as const) {
        const text = name[part];
        if (text === undefined) continue;
        if (typeof text !== 'string' || text.trim() === '' || text.length > 60)
          throw invalid(`Invalid Input: name.${part}`);
        if (text !== user[part]) changes.push(`name.${part}=${text}`);
        next[part] = text;
      }
      continue;
    }
    if (field === 'orgUnitPath') {
      if (typeof value !== 'string' || !value.startsWith('/')) throw invalid('Invalid Input: orgUnitPath');
      if (value !== user.orgUnitPath) changes.push(`orgUnitPath=${value}`);
      next.orgUnitPath = value;
      continue;
    }
    if (!isDeepStrictEqual(value, current[field])) {
      throw invalid(`Invalid Input: ${field} (the simulator updates only suspended, name and orgUnitPath)`);
    }
  }
  if (next.suspended && !user.suspended) {
    next.suspensionReason = 'ADMIN';
    next.sessions = 0;
  }
  Object.assign(user, next);
  if (!next.suspended) delete user.suspensionReason;
  ctx.mutated({ target: user.primaryEmail, userId: user.id, ...(changes.length ? { detail: changes.join(',') } : {}) });
  return userJson(ctx.state, user);
};

/** users.signOut: ends every web session of the user (their sign-in cookies); 204. */
export const signOutUser: OperationHandler = (ctx) => {
  const user = resolveUser(ctx);
  noBody(ctx);
  user.sessions = 0;
  ctx.mutated({ target: user.primaryEmail, userId: user.id });
  return undefined;
};
