import { errors, jwtVerify, SignJWT } from 'jose';
import { newTokenId } from './ids.js';
import type { SigningKey } from './signing-key.js';
import { GRAPH_APP_ID, type ServicePrincipalRecord, type UserRecord } from './state.js';

/** Graph access tokens are v1.0 tokens: `aud` is the resource URI and `iss` the sts.windows.net issuer. */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** `expires_in` Entra reports for a one-hour token. */
export const TOKEN_LIFETIME_SECONDS = 3599;
/** Resource servers accept five minutes of clock skew. */
const CLOCK_SKEW_SECONDS = 300;

export const tokenIssuer = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;

export interface AccessTokenClaims {
  readonly tid: string;
  readonly oid: string;
  readonly appid: string;
  readonly idtyp: 'app' | 'user';
  /** Application permissions (app-only tokens). */
  readonly roles: readonly string[];
  /** Delegated permissions (user tokens). */
  readonly scp: readonly string[];
  readonly exp: number;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

interface Common {
  readonly key: SigningKey;
  readonly tenantId: string;
  readonly client: ServicePrincipalRecord;
  readonly now: Date;
}

async function sign(common: Common, claims: Record<string, unknown>): Promise<IssuedToken> {
  const iat = Math.floor(common.now.getTime() / 1000);
  const accessToken = await new SignJWT({
    ...claims,
    aud: GRAPH_AUDIENCE,
    iss: tokenIssuer(common.tenantId),
    iat,
    nbf: iat,
    exp: iat + TOKEN_LIFETIME_SECONDS,
    app_displayname: common.client.displayName,
    appid: common.client.appId,
    idp: tokenIssuer(common.tenantId),
    tid: common.tenantId,
    uti: newTokenId(),
    ver: '1.0',
  })
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: common.key.kid, x5t: common.key.kid })
    .sign(common.key.privateKey);
  return { accessToken, expiresIn: TOKEN_LIFETIME_SECONDS };
}

/** Client credentials: `roles` lists the SP's app role assignments on Microsoft Graph (omitted when none). */
export function issueAppToken(
  common: Common & { readonly roles: readonly string[]; readonly authMethod: 'secret' | 'certificate' },
): Promise<IssuedToken> {
  return sign(common, {
    appidacr: common.authMethod === 'certificate' ? '2' : '1',
    idtyp: 'app',
    oid: common.client.id,
    sub: common.client.id,
    ...(common.roles.length > 0 ? { roles: [...common.roles] } : {}),
  });
}

/** Refresh token grant: a delegated token for the user with the consented scopes in `scp`. */
export function issueUserToken(
  common: Common & { readonly user: UserRecord; readonly scopes: readonly string[]; readonly confidential: boolean },
): Promise<IssuedToken> {
  const { user } = common;
  return sign(common, {
    acr: '1',
    amr: ['pwd'],
    appidacr: common.confidential ? '1' : '0',
    ...(user.givenName === null ? {} : { given_name: user.givenName }),
    ...(user.surname === null ? {} : { family_name: user.surname }),
    idtyp: 'user',
    name: user.displayName,
    oid: user.id,
    scp: common.scopes.join(' '),
    sub: user.id,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
  });
}

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; message: string };

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Validates a bearer token the way Graph does and words failures like Graph's InvalidAuthenticationToken. */
export async function verifyAccessToken(
  token: string,
  key: SigningKey,
  tenantId: string,
  now: Date,
): Promise<TokenCheck> {
  if (token === '') return { ok: false, message: 'Access token is empty.' };
  if (token.split('.').length !== 3) {
    return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
  }
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['RS256'],
      issuer: tokenIssuer(tenantId),
      audience: [GRAPH_AUDIENCE, `${GRAPH_AUDIENCE}/`, GRAPH_APP_ID],
      currentDate: now,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['oid', 'appid', 'tid', 'exp'],
    });
    const idtyp = payload.idtyp === 'user' ? 'user' : 'app';
    return {
      ok: true,
      claims: {
        tid: String(payload.tid),
        oid: String(payload.oid),
        appid: String(payload.appid),
        idtyp,
        roles: strings(payload.roles),
        scp: typeof payload.scp === 'string' ? payload.scp.split(' ').filter((s) => s !== '') : [],
        exp: payload.exp ?? 0,
      },
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') return { ok: false, message: 'Access token validation failure. Invalid audience.' };
      if (error.claim === 'iss') return { ok: false, message: 'Access token validation failure. Invalid issuer.' };
      if (error.claim === 'nbf') {
        return { ok: false, message: 'Lifetime validation failed, the token is not yet valid.' };
      }
    }
    return { ok: false, message: 'Access token validation failure.' };
  }
}
