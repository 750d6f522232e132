import type { TokenCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { activityCancellation } from './cancellation.js';
import {
  InvalidRequestError,
  PermissionDeniedError,
  ProviderUnavailableError,
  TargetNotFoundError,
  ThrottledError,
  type ProviderError,
} from './errors.js';

export const GRAPH_ENDPOINT = 'https://graph.microsoft.com/v1.0';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

// Graph's error body: {"error":{"code","message","innerError":{"request-id","date"}}} ("Microsoft Graph error responses").
const GraphErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});
const Page = z.object({ value: z.array(z.unknown()), '@odata.nextLink': z.string().optional() }).loose();

export interface GraphResponse<T> {
  data: T;
  requestId?: string;
}

/** The claims of an app-only Graph token that say what it may do. */
const TokenClaims = z.object({
  roles: z.array(z.string()).optional(),
  app_displayname: z.string().optional(),
  appid: z.string().optional(),
});

export interface GraphClientOptions {
  credential: TokenCredential;
  /** Graph's v1.0 root; the sandbox simulator or a national cloud sets another. */
  baseUrl?: string;
  /** Each request's limit; a hung call fails retryably after it. */
  requestTimeoutMs?: number;
}

/** Longer than any Graph call should take, well under the activity's start-to-close timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Microsoft Graph over fetch, every response parsed with the zod schema of the fields we rely on.
 * Failures become provider errors: 429/5xx retryable (honouring Retry-After), 404 not found,
 * 401/403 permission denied with the permissions to grant, other 4xx invalid requests.
 */
export function createGraphClient({
  credential,
  baseUrl = GRAPH_ENDPOINT,
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
}: GraphClientOptions) {
  const root = baseUrl.replace(/\/$/, '');

  async function token(): Promise<string> {
    try {
      const accessToken = await credential.getToken(GRAPH_SCOPE);
      if (!accessToken) throw new Error('the credential returned no token');
      return accessToken.token;
    } catch (error) {
      throw classifyCredentialError(error);
    }
  }

  async function send(method: string, pathOrUrl: string, body?: unknown): Promise<Response> {
    const url = pathOrUrl.startsWith('https://') || pathOrUrl.startsWith('http://') ? pathOrUrl : `${root}${pathOrUrl}`;
    const bearer = await token();
    const cancellation = activityCancellation();
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        // A hung call ends: at the timeout, or when Temporal cancels the activity (a retry is then under way).
        signal: AbortSignal.any([AbortSignal.timeout(requestTimeoutMs), ...(cancellation ? [cancellation] : [])]),
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new ProviderUnavailableError(
          `Microsoft Graph did not answer ${method} ${pathOrUrl} within ${requestTimeoutMs} ms; retrying`,
          { cause: error },
        );
      }
      throw new ProviderUnavailableError(`Could not reach Microsoft Graph at ${root}: ${String(error)}`, {
        cause: error,
      });
    }
    if (!response.ok) throw await graphError(method, pathOrUrl, response);
    return response;
  }

  return {
    /** Graph's v1.0 root this client calls, e.g. https://graph.microsoft.com/v1.0. */
    baseUrl: root,

    /**
     * The same root's beta endpoint: what v1.0 lacks (service principal sign-ins) is read there, by full URL.
     */
    betaUrl: root.replace(/\/v1\.0$/, '/beta'),

    /**
     * The application permissions the tenant granted this app, as its Graph token carries them (`roles`), and
     * who the app is there: for `revoker doctor`, which must not need a write to know.
     */
    async grantedRoles(): Promise<{ roles: string[]; identity?: string }> {
      const claims = TokenClaims.safeParse(decodeJwt(await token()));
      if (!claims.success) return { roles: [] };
      const { roles = [], app_displayname: name, appid } = claims.data;
      const identity = [name, appid && `(app ${appid})`].filter(Boolean).join(' ');
      return { roles, ...(identity ? { identity } : {}) };
    },

    async get<S extends z.ZodType>(path: string, schema: S): Promise<GraphResponse<z.infer<S>>> {
      const response = await send('GET', path);
      return { data: parse(schema, await response.json(), `GET ${path}`), requestId: requestIdOf(response) };
    },

    /** Every item of a collection, following @odata.nextLink. */
    async list<S extends z.ZodType>(path: string, item: S): Promise<z.infer<S>[]> {
      const items: z.infer<S>[] = [];
      for (let next: string | undefined = path; next;) {
        const response = await send('GET', next);
        const page = parse(Page, await response.json(), `GET ${path}`);
        items.push(...page.value.map((value) => parse(item, value, `GET ${path}`)));
        next = page['@odata.nextLink'];
      }
      return items;
    },

    /** POST/PATCH/DELETE; any 2xx is success (Graph answers revokeSignInSessions with 200 or 204). */
    async change(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<{ requestId?: string }> {
      const response = await send(method, path, body);
      await response.body?.cancel();
      return { requestId: requestIdOf(response) };
    },
  };
}

export type GraphClient = ReturnType<typeof createGraphClient>;

function requestIdOf(response: Response): string | undefined {
  return response.headers.get('request-id') ?? undefined;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
  throw new InvalidRequestError(`Microsoft Graph answered ${what} with an unexpected shape (fields: ${fields})`);
}

async function graphError(method: string, path: string, response: Response): Promise<ProviderError> {
  const text = await response.text();
  const body = GraphErrorBody.safeParse(safeJson(text));
  const code = body.success ? body.data.error.code : `HTTP ${response.status}`;
  const detail = `${code}: ${body.success ? body.data.error.message : text.slice(0, 200)}`;
  const what = `Graph ${method} ${path.split('?')[0]}`;
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (response.status === 429) return new ThrottledError(`${what} was throttled (${detail})`, { retryAfterMs });
  if (response.status >= 500) return new ProviderUnavailableError(`${what} failed (${detail})`, { retryAfterMs });
  if (response.status === 404) {
    return new TargetNotFoundError(`${what}: ${detail}. Check the tenant and ids in the alert; nothing was changed.`);
  }
  if (response.status === 401 || response.status === 403) {
    // Graph's 403 (Authorization_RequestDenied) never names the permission; the call's documented one does.
    const permission = graphPermissionFor(method, path);
    return new PermissionDeniedError(
      `${what}: ${detail}. Grant the worker's Entra app the Graph application permission ${permission} (docs/deploy.md, "Running against real Entra ID") and admin-consent it.`,
    );
  }
  return new InvalidRequestError(`${what}: ${detail}`);
}

/**
 * The least-privileged Graph application permission each call Revoker makes needs (the API reference's
 * "Permissions" table of each method), for a 403 that only says "Insufficient privileges".
 */
const GRAPH_PERMISSIONS: readonly [method: string, path: RegExp, permission: string][] = [
  ['POST', /^\/users\/[^/]+\/revokeSignInSessions$/, 'User.RevokeSessions.All'],
  ['PATCH', /^\/users\/[^/]+$/, 'User.EnableDisableAccount.All (with User.Read.All), or User.ReadWrite.All'],
  ['GET', /^\/users/, 'User.Read.All'],
  ['DELETE', /^\/oauth2PermissionGrants\//, 'DelegatedPermissionGrant.ReadWrite.All'],
  ['GET', /^\/servicePrincipals\/[^/]+\/oauth2PermissionGrants/, 'DelegatedPermissionGrant.Read.All'],
  ['DELETE', /^\/servicePrincipals\/[^/]+\/appRoleAssignments\//, 'AppRoleAssignment.ReadWrite.All'],
  ['GET', /^\/servicePrincipals/, 'Application.Read.All'],
  ['*', /^\/servicePrincipals/, 'Application.ReadWrite.All'],
  ['GET', /^\/applications/, 'Application.Read.All'],
  ['*', /^\/applications/, 'Application.ReadWrite.All'],
  ['GET', /^\/auditLogs\//, 'AuditLog.Read.All'],
];

/** The permission a Graph call needs, by method and path (`/users/…`, or a full URL). */
export function graphPermissionFor(method: string, pathOrUrl: string): string {
  const path = pathOrUrl.replace(/^https?:\/\/[^/]+(?:\/v1\.0|\/beta)?/, '').split('?')[0] ?? '';
  const found = GRAPH_PERMISSIONS.find(([m, pattern]) => (m === '*' || m === method) && pattern.test(path));
  return found?.[2] ?? 'listed in docs/deploy.md';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** @azure/identity errors: AADSTS refusals are permanent; unreachable or 5xx authorities are worth a retry. */
function classifyCredentialError(error: unknown): ProviderError {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const status = (error as { statusCode?: number }).statusCode;
  if (status === undefined || status >= 500 || status === 429) {
    if (!/AADSTS\d+/.test(message ?? '')) {
      return new ProviderUnavailableError(`Could not get a Graph token: ${message}`, { cause: error });
    }
  }
  return new PermissionDeniedError(
    `Entra refused the worker's credentials (${message}): fix AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET (or the certificate) in the worker's environment.`,
    { cause: error },
  );
}
