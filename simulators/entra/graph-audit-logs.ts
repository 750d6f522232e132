// GET /auditLogs/directoryAudits and /auditLogs/signIns, as Graph serves them: newest first, `$filter` over the
// properties the reference says support it, `$top`, `$orderby` on the time, `$select`, and `@odata.nextLink` with a
// `$skiptoken` cursor. Sign-ins of service principals and non-interactive user sign-ins are only on /beta (v1.0's
// signIn lacks signInEventTypes, and both endpoints list only interactive sign-ins unless the filter names types).
import type { DirectoryAuditRecord, SignInRecord } from './audit-records.js';
import { badRequest, GraphError, resourceNotFound } from './graph-errors.js';
import { ok, type GraphCall, type GraphResult } from './graph-call.js';
import { compileFilter, type FilterSchema } from './odata-filter.js';
import { project } from './odata.js';
import { authorizeAuditLogs } from './permissions.js';

/** "The maximum and default page size is 1,000 objects" (List signIns); directoryAudits is taken to match. */
const MAX_PAGE = 1000;

const text = { type: 'string', operators: ['eq'] } as const;
const textOrPrefix = { type: 'string', operators: ['eq', 'startswith'] } as const;
const time = { type: 'datetime', operators: ['eq', 'ge', 'le'] } as const;

/** directoryAudit: the properties its reference page says support $filter, and their operators. */
const AUDIT_FILTER: FilterSchema<DirectoryAuditRecord> = {
  typeName: 'directoryAudit',
  fields: {
    id: { ...text, get: (r) => r.id },
    activityDateTime: { ...time, get: (r) => r.activityDateTime },
    activityDisplayName: { ...textOrPrefix, get: (r) => r.activityDisplayName },
    category: { ...text, get: (r) => r.category },
    correlationId: { ...text, get: (r) => r.correlationId },
    loggedByService: { ...text, get: (r) => r.loggedByService },
    result: { ...text, get: (r) => r.result },
    'initiatedBy/user/id': { ...text, get: (r) => r.initiatedBy.user?.id },
    'initiatedBy/user/displayName': { ...text, get: (r) => r.initiatedBy.user?.displayName },
    'initiatedBy/user/userPrincipalName': { ...textOrPrefix, get: (r) => r.initiatedBy.user?.userPrincipalName },
    'initiatedBy/app/appId': { ...text, get: (r) => r.initiatedBy.app?.appId },
    'initiatedBy/app/displayName': { ...text, get: (r) => r.initiatedBy.app?.displayName },
  },
  collections: {
    targetResources: {
      get: (r) => r.targetResources,
      fields: {
        id: { ...text, get: (t) => (t as DirectoryAuditRecord['targetResources'][number]).id },
        displayName: {
          ...textOrPrefix,
          get: (t) => (t as DirectoryAuditRecord['targetResources'][number]).displayName,
        },
        type: { ...text, get: (t) => (t as DirectoryAuditRecord['targetResources'][number]).type },
        userPrincipalName: {
          ...textOrPrefix,
          get: (t) => (t as DirectoryAuditRecord['targetResources'][number]).userPrincipalName,
        },
      },
    },
  },
};

const SIGN_IN_V1_FIELDS: FilterSchema<SignInRecord>['fields'] = {
  id: { ...text, get: (r) => r.id },
  createdDateTime: { ...time, get: (r) => r.createdDateTime },
  appId: { ...text, get: (r) => r.appId },
  appDisplayName: { ...textOrPrefix, get: (r) => r.appDisplayName },
  userId: { ...text, get: (r) => r.userId },
  userPrincipalName: { ...textOrPrefix, get: (r) => r.userPrincipalName },
  userDisplayName: { ...textOrPrefix, get: (r) => r.userDisplayName },
  correlationId: { ...text, get: (r) => r.correlationId },
  ipAddress: { ...textOrPrefix, get: (r) => r.ipAddress },
  resourceId: { ...text, get: (r) => r.resourceId },
  'status/errorCode': { type: 'number', operators: ['eq'], get: (r) => r.status.errorCode },
};

const SIGN_IN_FILTER: Record<'v1.0' | 'beta', FilterSchema<SignInRecord>> = {
  'v1.0': { typeName: 'signIn', fields: SIGN_IN_V1_FIELDS },
  beta: {
    typeName: 'signIn',
    fields: {
      ...SIGN_IN_V1_FIELDS,
      servicePrincipalId: { ...text, get: (r) => r.servicePrincipalId },
      servicePrincipalName: { ...textOrPrefix, get: (r) => r.servicePrincipalName },
    },
    collections: { signInEventTypes: { get: (r) => r.signInEventTypes, operators: ['eq'] } },
  },
};

/** v1.0's signIn has no servicePrincipal* properties, no signInEventTypes and no credential details. */
const BETA_ONLY = new Set<keyof SignInRecord>([
  'servicePrincipalId',
  'servicePrincipalName',
  'servicePrincipalCredentialKeyId',
  'servicePrincipalCredentialThumbprint',
  'clientCredentialType',
  'federatedCredentialId',
  'signInEventTypes',
  'tokenIssuerType',
]);

interface ListOptions<T> {
  filter?: (record: T) => boolean;
  filterText?: string;
  top: number;
  skiptoken?: string;
  ascending: boolean;
  select?: string[];
}

function listOptions<T>(call: GraphCall, schema: FilterSchema<T>, timeProperty: string): ListOptions<T> {
  const options: ListOptions<T> = { top: MAX_PAGE, ascending: false };
  for (const [name, value] of call.query) {
    if (!name.startsWith('$')) continue;
    switch (name.toLowerCase()) {
      case '$filter':
        options.filter = compileFilter(value, schema);
        options.filterText = value;
        break;
      case '$top': {
        const top = Number(value);
        if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE) {
          throw badRequest(`Invalid page size specified: '${value}'. Must be between 1 and ${MAX_PAGE} inclusive.`);
        }
        options.top = top;
        break;
      }
      case '$skiptoken':
        options.skiptoken = value;
        break;
      case '$orderby': {
        const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(value);
        if (match?.[1]?.toLowerCase() !== timeProperty.toLowerCase()) {
          throw new GraphError(400, 'BadRequest', `Invalid $orderby: '${value}'. Only ${timeProperty} is supported.`);
        }
        options.ascending = match[2]?.toLowerCase() === 'asc';
        break;
      }
      case '$select':
        options.select = value
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        break;
      default:
        throw new GraphError(400, 'BadRequest', `Query option '${name}' is not supported on this resource.`);
    }
  }
  return options;
}

interface Cursor {
  at: string;
  id: string;
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

function decodeCursor(token: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    const { at, id } = parsed as Partial<Cursor>;
    if (typeof at === 'string' && typeof id === 'string') return { at, id };
  } catch {
    // answered below
  }
  throw new GraphError(400, 'BadRequest', `Invalid $skiptoken '${token}'.`);
}

/**
 * Orders by time, then by when the log took the record (one call's records share a time), newest first unless asked
 * otherwise, and pages with a cursor: records logged between two page requests land before the first page of a
 * newest-first read, so the rest neither skips nor repeats.
 */
function pageOf<T extends { id: string }>(
  call: GraphCall,
  records: readonly T[],
  timeOf: (r: T) => string,
  options: ListOptions<T>,
): { items: T[]; nextLink?: string } {
  const sign = options.ascending ? 1 : -1;
  type Key = { time: number; position: number };
  const order = (a: Key, b: Key) => sign * (a.time - b.time || a.position - b.position);
  const entries = records.map((record, position) => ({ record, time: Date.parse(timeOf(record)), position }));
  const sorted = entries.filter((e) => options.filter?.(e.record) ?? true).sort(order);
  const cursor = options.skiptoken === undefined ? undefined : decodeCursor(options.skiptoken);
  // The cursor's record, where the log still holds it; else its time alone places it (after every record of then).
  const anchor: Key | undefined = cursor && {
    time: Date.parse(cursor.at),
    position: entries.find((e) => e.record.id === cursor.id)?.position ?? (options.ascending ? Infinity : -Infinity),
  };
  const rest = anchor ? sorted.filter((entry) => order(entry, anchor) > 0) : sorted;
  const page = rest.slice(0, options.top);
  const last = page[page.length - 1];
  if (rest.length <= options.top || !last) return { items: page.map((e) => e.record) };
  const params: string[] = [];
  for (const [name, value] of call.query) {
    if (name.toLowerCase() !== '$skiptoken') params.push(`${name}=${encodeURIComponent(value)}`);
  }
  params.push(`$skiptoken=${encodeCursor({ at: timeOf(last.record), id: last.record.id })}`);
  return { items: page.map((e) => e.record), nextLink: `${call.graphBase}${call.path}?${params.join('&')}` };
}

/** Records become visible once the log has them (Entra: typically minutes; the sandbox: `logDelayMs`). */
const delivered = <T>(call: GraphCall, records: readonly T[], timeOf: (r: T) => string): T[] =>
  records.filter((r) => Date.parse(timeOf(r)) + call.logDelayMs <= call.now.getTime());

function collection(call: GraphCall, entitySet: string, items: Record<string, unknown>[], nextLink?: string) {
  return ok({
    '@odata.context': `${call.graphBase}/$metadata#${entitySet}`,
    ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
    value: items,
  });
}

const auditView = (record: DirectoryAuditRecord): Record<string, unknown> => structuredClone({ ...record });

/** GET /auditLogs/directoryAudits */
export function listDirectoryAudits(call: GraphCall): GraphResult {
  authorizeAuditLogs(call.caller);
  const options = listOptions(call, AUDIT_FILTER, 'activityDateTime');
  const records = delivered(call, call.state.directoryAudits, (r) => r.activityDateTime);
  const { items, nextLink } = pageOf(call, records, (r) => r.activityDateTime, options);
  return collection(
    call,
    'auditLogs/directoryAudits',
    items.map((r) => project(auditView(r), options.select, 'directoryAudit')),
    nextLink,
  );
}

/** GET /auditLogs/directoryAudits/{id} */
export function getDirectoryAudit(call: GraphCall, id: string): GraphResult {
  authorizeAuditLogs(call.caller);
  const record = delivered(call, call.state.directoryAudits, (r) => r.activityDateTime).find((r) => r.id === id);
  if (!record) throw resourceNotFound(id);
  return ok({
    '@odata.context': `${call.graphBase}/$metadata#auditLogs/directoryAudits/$entity`,
    ...auditView(record),
  });
}

function signInView(call: GraphCall, record: SignInRecord): Record<string, unknown> {
  const view: Record<string, unknown> = structuredClone({ ...record });
  if (call.version === 'v1.0') for (const name of BETA_ONLY) delete view[name];
  return view;
}

/** GET /auditLogs/signIns (v1.0: interactive sign-ins; beta: every type its filter names). */
export function listSignIns(call: GraphCall): GraphResult {
  authorizeAuditLogs(call.caller);
  const options = listOptions(call, SIGN_IN_FILTER[call.version], 'createdDateTime');
  // "This API returns only interactive sign-ins unless you set an explicit filter" on signInEventTypes.
  const typed = call.version === 'beta' && /signInEventTypes/i.test(options.filterText ?? '');
  const records = delivered(call, call.state.signIns, (r) => r.createdDateTime).filter(
    (r) => typed || r.signInEventTypes.includes('interactiveUser'),
  );
  const { items, nextLink } = pageOf(call, records, (r) => r.createdDateTime, options);
  return collection(
    call,
    'auditLogs/signIns',
    items.map((r) => project(signInView(call, r), options.select, 'signIn')),
    nextLink,
  );
}

/** GET /auditLogs/signIns/{id} */
export function getSignIn(call: GraphCall, id: string): GraphResult {
  authorizeAuditLogs(call.caller);
  const record = delivered(call, call.state.signIns, (r) => r.createdDateTime).find((r) => r.id === id);
  if (!record) throw resourceNotFound(id);
  return ok({ '@odata.context': `${call.graphBase}/$metadata#auditLogs/signIns/$entity`, ...signInView(call, record) });
}
