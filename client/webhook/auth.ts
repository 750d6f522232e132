import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readSecrets } from '../../connect/secrets.js';

/** Accepted credentials. Several of each so a secret can be rotated without refusing alerts. */
export interface WebhookAuth {
  bearerTokens: string[];
  hmacSecrets: string[];
  /**
   * Subject common names (CN) of client certificates that authenticate, when the webhook serves
   * HTTPS with a client CA (mutual TLS): the certificate must chain to that CA, and its CN be listed.
   */
  clientCertSubjects?: string[];
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
  const auth = withSubjects(
    {
      bearerTokens: readSecrets(env, 'REVOKER_WEBHOOK_TOKEN'),
      hmacSecrets: readSecrets(env, 'REVOKER_WEBHOOK_HMAC_SECRET'),
    },
    env.REVOKER_WEBHOOK_CLIENT_CERT_SUBJECTS,
  );
  if (!hasCredentials(auth) && !options.sourcesHaveTheirOwn) {
    throw new Error(
      'the webhook has no credentials: set REVOKER_WEBHOOK_TOKEN or REVOKER_WEBHOOK_TOKEN_FILE (bearer tokens), ' +
        'and/or REVOKER_WEBHOOK_HMAC_SECRET or REVOKER_WEBHOOK_HMAC_SECRET_FILE (HMAC-SHA256 signing secrets), ' +
        'or per source REVOKER_<SOURCE>_TOKEN / REVOKER_<SOURCE>_HMAC_SECRET / REVOKER_<SOURCE>_CLIENT_CERT_SUBJECTS',
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
    const auth = withSubjects(
      { bearerTokens: readSecrets(env, `${prefix}_TOKEN`), hmacSecrets: readSecrets(env, `${prefix}_HMAC_SECRET`) },
      env[`${prefix}_CLIENT_CERT_SUBJECTS`],
    );
    if (hasCredentials(auth)) found[source] = auth;
  }
  return found;
}

/** Whether any credential at all opens a route with these: a bearer token, an HMAC secret or a client certificate. */
export function hasCredentials(auth: WebhookAuth): boolean {
  return auth.bearerTokens.length > 0 || auth.hmacSecrets.length > 0 || (auth.clientCertSubjects?.length ?? 0) > 0;
}

/** Client certificate CNs are names, not secrets: a plain comma-separated variable. */
function withSubjects(auth: WebhookAuth, subjects: string | undefined): WebhookAuth {
  const names = (subjects ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length ? { ...auth, clientCertSubjects: names } : auth;
}

/**
 * `identity` names the credential that authenticated, never its value (`bearer#2`: the second
 * configured token; `cert:CN`): the rate limit is kept per identity, so one sender cannot spend
 * another's budget.
 */
export type AuthResult =
  | { ok: true; method: 'bearer' | 'hmac' | 'url-token' | 'client-cert'; identity: string }
  | { ok: false; reason: string };

export interface AuthRequest {
  header(name: string): string | undefined;
  /** Read only when the request is signed: unauthenticated bodies are never read. */
  rawBody(): Promise<Uint8Array>;
  /**
   * The `token` query parameter, passed only for sources that cannot send headers (Splunk's webhook
   * alert action, Pub/Sub push): checked against the bearer tokens.
   */
  urlToken?: string | undefined;
  /** The CN of the client certificate the TLS handshake verified against the client CA, if any. */
  clientCertSubject?: string | undefined;
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

  const subject = request.clientCertSubject;
  if (subject !== undefined && auth.clientCertSubjects?.includes(subject)) {
    return { ok: true, method: 'client-cert', identity: `cert:${subject}` };
  }
  if (authorization !== undefined) {
    const token = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
    const index = token ? matchIndex(token, auth.bearerTokens) : -1;
    if (index >= 0) return { ok: true, method: 'bearer', identity: `bearer#${index + 1}` };
    reason = token ? 'the bearer token is not valid' : 'the Authorization header is not "Bearer <token>"';
  }
  if ('urlToken' in request) {
    const index = request.urlToken !== undefined ? matchIndex(request.urlToken, auth.bearerTokens) : -1;
    if (index >= 0) return { ok: true, method: 'url-token', identity: `bearer#${index + 1}` };
    if (request.urlToken !== undefined) reason = 'the token in the URL is not valid';
    else if (authorization === undefined) reason += ', or ?token=<token> in the URL';
  }
  if (timestamp !== undefined || signature !== undefined) {
    const checked = checkSignature(auth, timestamp, signature, nowSeconds);
    if (checked.ok) {
      const body = await request.rawBody();
      const expected = auth.hmacSecrets.map((secret) => signatureOf(secret, checked.timestamp, body));
      const index = matchIndex(signature?.slice('sha256='.length).toLowerCase() ?? '', expected);
      if (index >= 0) return { ok: true, method: 'hmac', identity: `hmac#${index + 1}` };
      reason = `${SIGNATURE_HEADER} does not match the body: sign "<timestamp>.<raw body>" with HMAC-SHA256`;
    } else {
      reason = checked.reason;
    }
  }
  if (subject === undefined && auth.clientCertSubjects?.length) {
    reason += ', or a client certificate (mutual TLS)';
  } else if (subject !== undefined && auth.clientCertSubjects?.length) {
    reason = `the client certificate's subject is not one this route accepts; ${reason}`;
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
 * Constant-time membership, and which candidate matched (-1: none): both sides are hashed first so
 * lengths do not leak, and every candidate is compared so the position of a match does not either.
 */
function matchIndex(presented: string, candidates: string[]): number {
  const digest = createHash('sha256').update(presented).digest();
  let found = -1;
  candidates.forEach((candidate, index) => {
    if (timingSafeEqual(digest, createHash('sha256').update(candidate).digest()) && found < 0) found = index;
  });
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
