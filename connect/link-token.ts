import { errors, jwtVerify, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Verdict } from '../domain/decision.js';

/**
 * A one-click link's token: an HS256 JWT bound to one playbook run, one verdict, one set of action
 * ids and one approver (`sub`), expiring with the approval (or release) window. `jti` is the link's
 * id, which the playbook records with the decision so the link works once.
 */
export interface ApprovalLink {
  workflowId: string;
  runId: string;
  verdict: Verdict;
  actions: string[];
  approver: string;
  /** The link's id (`jti`): random, recorded by the playbook when the link is used. */
  id: string;
  issuedAt: Date;
  expiresAt: Date;
}

export type LinkGrant = Omit<ApprovalLink, 'id' | 'issuedAt'>;

export const LINK_ISSUER = 'revoker';
export const LINK_AUDIENCE = 'revoker:approval-link';
/** Explicit typing (RFC 8725 §3.11), so no other JWT signed with the same secret passes for a link. */
const LINK_TYPE = 'revoker-link+jwt';
const ALGORITHM = 'HS256';
/** Clocks of the worker that signs and the server that verifies may differ this much; no more. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Far above any real link (a few kB); a longer path is not ours and is not worth parsing. */
const MAX_TOKEN_LENGTH = 8_192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const Claims = z.object({
  iss: z.literal(LINK_ISSUER),
  aud: z.literal(LINK_AUDIENCE),
  sub: z.string().trim().min(1).max(128),
  jti: z.string().min(16).max(64),
  iat: z.number().int(),
  exp: z.number().int(),
  workflowId: z.string().min(1).max(1_000),
  runId: z.string().min(1).max(64),
  verdict: Verdict,
  actions: z.array(z.string().min(1).max(500)).min(1).max(200),
});

export type LinkProblem = 'malformed' | 'forged' | 'expired';

/** Why a presented token is not honoured; the message is safe to show (it never quotes the token). */
export class LinkTokenError extends Error {
  override readonly name = 'LinkTokenError';

  constructor(
    readonly problem: LinkProblem,
    message: string,
    /** An expired link's grant: its signature held, so the page can still say which incident it was for. */
    readonly link?: ApprovalLink,
  ) {
    super(message);
  }
}

/** Signs a link with `secret` (the first configured one). */
export async function signLinkToken(
  secret: string,
  grant: LinkGrant,
  now = new Date(),
): Promise<{ token: string; id: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = Math.floor(grant.expiresAt.getTime() / 1000);
  if (exp <= iat) throw new Error('a link must expire after it is issued');
  const id = randomBytes(16).toString('base64url');
  const token = await new SignJWT({
    workflowId: grant.workflowId,
    runId: grant.runId,
    verdict: grant.verdict,
    actions: grant.actions,
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: LINK_TYPE })
    .setIssuer(LINK_ISSUER)
    .setAudience(LINK_AUDIENCE)
    .setSubject(grant.approver)
    .setJti(id)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyOf(secret));
  return { token, id };
}

/**
 * Verifies a token against every configured secret (so a rotated-out secret's links keep working
 * while it is still listed) and returns what it grants. The signature is checked before any claim,
 * so only a genuine link can be told "expired".
 */
export async function verifyLinkToken(token: string, secrets: string[], now = new Date()): Promise<ApprovalLink> {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new LinkTokenError('malformed', 'this is not a Revoker link: copy the whole link from the message');
  }
  for (const secret of secrets) {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keyOf(secret), {
        algorithms: [ALGORITHM],
        issuer: LINK_ISSUER,
        audience: LINK_AUDIENCE,
        typ: LINK_TYPE,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: now,
      }));
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      throw classify(error);
    }
    const link = grantOf(payload);
    if (!link) throw forged();
    return link;
  }
  throw forged();
}

function grantOf(payload: unknown): ApprovalLink | undefined {
  const claims = Claims.safeParse(payload);
  if (!claims.success) return undefined;
  const { sub, jti, iat, exp, workflowId, runId, verdict, actions } = claims.data;
  return {
    workflowId,
    runId,
    verdict,
    actions,
    approver: sub,
    id: jti,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  };
}

function classify(error: unknown): LinkTokenError {
  if (error instanceof errors.JWTExpired) {
    // jose checks the signature before the claims: an expired token's payload is genuinely ours.
    const link = grantOf(error.payload);
    return new LinkTokenError(
      'expired',
      'this link has expired: its approval window is over; use the UI or the CLI',
      ...(link ? [link] : []),
    );
  }
  // A foreign algorithm ("none", RS256 with our secret as a "public key"), audience, issuer or type.
  if (
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JWTClaimValidationFailed ||
    error instanceof errors.JOSENotSupported
  ) {
    return forged();
  }
  return new LinkTokenError('malformed', 'this is not a Revoker link: copy the whole link from the message');
}

function forged(): LinkTokenError {
  return new LinkTokenError(
    'forged',
    'this link is not valid: it was altered, or signed with a key this server does not hold (rotated out)',
  );
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
