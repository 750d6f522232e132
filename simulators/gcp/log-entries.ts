import { createHash } from 'node:crypto';
import { ACTIVITY_LOG, DATA_ACCESS_LOG, logName } from './audit-log.js';
import { invalidArgument, permissionDeniedOnResource } from './errors.js';
import { parseLogFilter, valuesNamed } from './log-query.js';
import { allowFields, permitted, type OperationHandler } from './operation-context.js';
import { projectOf, type AuditRecord, type GcpState } from './state.js';

/** "Default is 50"; Google answers at most 1000 entries a page. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
/** Retention of the _Required bucket (Admin Activity, 400 days) and the _Default one (Data Access, 30 days). */
const RETENTION_DAYS = { [ACTIVITY_LOG]: 400, [DATA_ACCESS_LOG]: 30 } as const;
const DAY_MS = 86_400_000;

interface PageToken {
  /** The query the token belongs to. */
  q: string;
  /** The last entry written when the first page was read: later entries do not shift the pages. */
  seq: number;
  offset: number;
}

const encodeToken = (token: PageToken) => Buffer.from(JSON.stringify(token)).toString('base64url');

function decodeToken(raw: unknown, query: string): PageToken {
  const invalid = () => invalidArgument("page_token doesn't match arguments from the request");
  if (typeof raw !== 'string') throw invalid();
  try {
    const token = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PageToken>;
    if (token.q !== query || !Number.isInteger(token.seq) || !Number.isInteger(token.offset)) throw invalid();
    return token as PageToken;
  } catch {
    throw invalid();
  }
}

/** The projects a request reads: `resourceNames` (`projects/P`), plus the deprecated `projectIds`. */
function projectsNamed(body: Record<string, unknown>): string[] {
  const names = body['resourceNames'] ?? [];
  const ids = body['projectIds'] ?? [];
  if (!Array.isArray(names) || !Array.isArray(ids)) {
    throw invalidArgument("Invalid value at 'resource_names': expected a list of resource names.");
  }
  const projects = [
    ...names.map((name: unknown) => {
      const match = typeof name === 'string' ? /^projects\/([^/]+)$/.exec(name) : null;
      if (!match?.[1]) {
        throw invalidArgument(
          `Invalid resource name ${JSON.stringify(name)}: this simulator reads projects/PROJECT_ID (no organizations, folders, billing accounts or log views).`,
        );
      }
      return match[1];
    }),
    ...ids.map(String),
  ];
  if (projects.length === 0) throw invalidArgument('resource_names: at least one resource name is required.');
  if (projects.length > 100) throw invalidArgument('resource_names: at most 100 resource names.');
  return [...new Set(projects)];
}

/**
 * Cloud Logging v2 `entries.list` (POST /v2/entries:list) over the audit logs: every named project's entries that
 * match the filter and are readable yet, `timestamp asc` (default) or `desc` (ties by insertId), in pages of
 * `pageSize` with a `nextPageToken` bound to the request. logging.logEntries.list on each project reads its Admin
 * Activity log; Data Access logs are private: without logging.privateLogEntries.list they are left out, and a filter
 * that names one is refused. Each call counts against the consumer project's read quota (60 a minute).
 */
export const listLogEntries: OperationHandler = (ctx) => {
  allowFields(ctx.body, ['resourceNames', 'projectIds', 'filter', 'orderBy', 'pageSize', 'pageToken']);
  ctx.logging.takeReadQuota(ctx.caller.projectNumber);
  const named = projectsNamed(ctx.body);
  const projects: GcpState[] = [];
  let privateAccess = true;
  for (const id of named) {
    const project = projectOf(ctx.org, id);
    // A project the simulator does not serve is one nobody holds a permission in.
    if (!project || !permitted(ctx, project, 'logging.logEntries.list')) {
      throw permissionDeniedOnResource('logging.logEntries.list', 'logging.googleapis.com');
    }
    if (!permitted(ctx, project, 'logging.privateLogEntries.list')) privateAccess = false;
    projects.push(project);
  }
  const filterText = ctx.body['filter'] ?? '';
  if (typeof filterText !== 'string') throw invalidArgument("Invalid value at 'filter': expected a string.");
  const filter = parseLogFilter(filterText);
  if (!privateAccess && valuesNamed(filter, 'logName').some((name) => name.endsWith(DATA_ACCESS_LOG))) {
    throw permissionDeniedOnResource('logging.privateLogEntries.list', 'logging.googleapis.com');
  }
  const orderBy = ctx.body['orderBy'] ?? 'timestamp asc';
  if (orderBy !== 'timestamp asc' && orderBy !== 'timestamp desc') {
    throw invalidArgument(`Invalid order_by ${JSON.stringify(orderBy)}: use "timestamp asc" or "timestamp desc".`);
  }
  const requested = ctx.body['pageSize'] ?? DEFAULT_PAGE_SIZE;
  if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 0) {
    throw invalidArgument('page_size must be a non-negative integer.');
  }
  const pageSize = Math.min(requested === 0 ? DEFAULT_PAGE_SIZE : requested, MAX_PAGE_SIZE);

  const query = createHash('sha256')
    .update(JSON.stringify([named, filterText, orderBy, ctx.caller.email]))
    .digest('base64url')
    .slice(0, 16);
  const lastWritten = Math.max(0, ...projects.map((p) => p.nextSeq - 1));
  const token =
    ctx.body['pageToken'] === undefined || ctx.body['pageToken'] === ''
      ? { q: query, seq: lastWritten, offset: 0 }
      : decodeToken(ctx.body['pageToken'], query);

  const now = ctx.now.getTime();
  const readable = (project: GcpState, record: AuditRecord) => {
    const { entry } = record;
    const log = entry.logName.endsWith(DATA_ACCESS_LOG) ? DATA_ACCESS_LOG : ACTIVITY_LOG;
    if (log === DATA_ACCESS_LOG && !privateAccess) return false;
    if (entry.logName !== logName(project.projectId, log)) return false;
    const at = Date.parse(entry.timestamp);
    return (
      record.seq <= token.seq && at + ctx.logging.visibleAfterMs <= now && at >= now - RETENTION_DAYS[log] * DAY_MS
    );
  };
  const matching = projects
    .flatMap((project) => project.auditLog.filter((record) => readable(project, record)).map((r) => r.entry))
    .filter((entry) => filter.matches(entry))
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.insertId.localeCompare(b.insertId));
  if (orderBy === 'timestamp desc') matching.reverse();
  const page = matching.slice(token.offset, token.offset + pageSize);
  const more = token.offset + pageSize < matching.length;
  return {
    ...(page.length === 0 ? {} : { entries: page }),
    ...(more ? { nextPageToken: encodeToken({ ...token, offset: token.offset + pageSize }) } : {}),
  };
};
