import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readSecrets } from '../../connect/secrets.js';

/** Accepted credentials. Several of each so a secret can be rotated without refusing alerts. */
export interface WebhookAuth {
  bearerTokens: string[];
  hmacSecrets: string[];
}

export const TIMESTAMP_HEADER = 'X-Revoker-Timestamp';
export const SIGNATURE_HEADER = 'X-Revoker-Signature';
/** How far a signed request's timestamp may be from our clock, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

type Env = Record<string, string | undefined>;

/**
 * Reads the webhook's credentials from the environment: each variable holds one value or a
 * comma-separated list, each *_FILE variable names a file with one value per line (a mounted
 * secret). Throws when none is set, here or per source: an intake that accepts anyone is never what
 * was meant. Without shared credentials only the sources with their own accept alerts.
 */
export function loadWebhookAuth(env: Env = process.env, options: { sourcesHaveTheirOwn?: boolean } = {}): WebhookAuth {
  const auth = {
    bearerTokens: readSecrets(env, 'REVOKER_WEBHOOK_TOKEN'),
    hmacSecrets: readSecrets(env, 'REVOKER_WEBHOOK_HMAC_SECRET'),
  };
  if (auth.bearerTokens.length === 0 && auth.hmacSecrets.length === 0 && !options.sourcesHaveTheirOwn) {
    throw new Error(
      'the webhook has no credentials: set REVOKER_WEBHOOK_TOKEN or REVOKER_WEBHOOK_TOKEN_FILE (bearer tokens), ' +
        'and/or REVOKER_WEBHOOK_HMAC_SECRET or REVOKER_WEBHOOK_HMAC_SECRET_FILE (HMAC-SHA256 signing secrets), ' +
        'or per source REVOKER_<SOURCE>_TOKEN / REVOKER_<SOURCE>_HMAC_SECRET',
    );
  }
  return auth;
}

/**
 * Per-source credentials: `REVOKER_<SOURCE>_TOKEN[_FILE]` and `REVOKER_<SOURCE>_HMAC_SECRET[_FILE]`
 * (e.g. REVOKER_SENTINEL_TOKEN). A source with its own replaces the shared ones, so one SIEM's leaked
 * secret opens only its own route.
 */
export function loadSourceAuth(sources: Iterable<string>, env: Env = process.env): Record<string, WebhookAuth> {
  const found: Record<string, WebhookAuth> = {};
  for (const source of sources) {
    const prefix = `REVOKER_${source.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    const auth = {
      bearerTokens: readSecrets(env, `${prefix}_TOKEN`),
      hmacSecrets: readSecrets(env, `${prefix}_HMAC_SECRET`),
    };
    if (auth.bearerTokens.length || auth.hmacSecrets.length) found[source] = auth;
  }
  return found;
}

export type AuthResult = { ok: true; method: 'bearer' | 'hmac' | 'url-token' } | { ok: false; reason: string };

export interface AuthRequest {
  header(name: string): string | undefined;
  /** Read only when the request is signed: unauthenticated bodies are never read. */
  rawBody(): Promise<Uint8Array>;
  /**
   * The `token` query parameter, passed only for sources that cannot send headers (Splunk's webhook
   * alert action, Pub/Sub push): checked against the bearer tokens.
   */
  urlToken?: string | undefined;
}

/**
 * Checks a bearer token or an HMAC signature, whichever the request carries. Reasons are safe to
 * return to the caller: they never contain a secret or say which configured secret came close.
 */
export async function authenticate(
  auth: WebhookAuth,
  request: AuthRequest,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<AuthResult> {
  const authorization = request.header('authorization');
  const timestamp = request.header(TIMESTAMP_HEADER);
  const signature = request.header(SIGNATURE_HEADER);
  let reason = `send "Authorization: Bearer <token>" or signed ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers`;

  if (authorization !== undefined) {
    const token = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
    if (token && matchesAny(token, auth.bearerTokens)) return { ok: true, method: 'bearer' };
    reason = token ? 'the bearer token is not valid' : 'the Authorization header is not "Bearer <token>"';
  }
  if ('urlToken' in request) {
    if (request.urlToken !== undefined && matchesAny(request.urlToken, auth.bearerTokens)) {
      return { ok: true, method: 'url-token' };
    }
    if (request.urlToken !== undefined) reason = 'the token in the URL is not valid';
    else if (authorization === undefined) reason += ', or ?token=<token> in the URL';
  }
  if (timestamp !== undefined || signature !== undefined) {
    const checked = checkSignature(auth, timestamp, signature, nowSeconds);
    if (checked.ok) {
      const body = await request.rawBody();
      const expected = auth.hmacSecrets.map((secret) => signatureOf(secret, checked.timestamp, body));
      if (matchesAny(signature?.slice('sha256='.length).toLowerCase() ?? '', expected)) {
        return { ok: true, method: 'hmac' };
      }
      reason = `${SIGNATURE_HEADER} does not match the body: sign "<timestamp>.<raw body>" with HMAC-SHA256`;
    } else {
      reason = checked.reason;
    }
  }
  return { ok: false, reason };
}

function checkSignature(
  auth: WebhookAuth,
  timestamp: string | undefined,
  signature: string | undefined,
  nowSeconds: number,
): { ok: true; timestamp: string } | { ok: false; reason: string } {
  if (auth.hmacSecrets.length === 0) return { ok: false, reason: 'this webhook does not accept signed requests' };
  if (!timestamp || !signature) {
    return { ok: false, reason: `a signed request needs both ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}` };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} is not unix seconds` };
  // A captured request replays only inside this window, and intake is idempotent by alert id.
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    return {
      ok: false,
      reason: `${TIMESTAMP_HEADER} is more than ${MAX_CLOCK_SKEW_SECONDS} s from the server's clock: sign each request when it is sent`,
    };
  }
  if (!/^sha256=[0-9a-f]{64}$/i.test(signature)) {
    return { ok: false, reason: `${SIGNATURE_HEADER} is not "sha256=<64 hex digits>"` };
  }
  return { ok: true, timestamp };
}

function signatureOf(secret: string, timestamp: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * Constant-time membership: both sides are hashed first so lengths do not leak, and every
 * candidate is compared so the position of a match does not either.
 */
function matchesAny(presented: string, candidates: string[]): boolean {
  const digest = createHash('sha256').update(presented).digest();
  let found = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(digest, createHash('sha256').update(candidate).digest())) found = true;
  }
  return found;
}

/**
 * The headers a sender adds to sign `body` (exactly the bytes it sends). For SIEM integrations,
 * tests and the dev stack.
 */
export function signRequest(
  secret: string,
  body: string | Uint8Array,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const ts = String(timestamp);
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: `sha256=${signatureOf(secret, ts, bytes)}` };
}
