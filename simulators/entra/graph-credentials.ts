import { AUDIT_ACTIVITIES, auditTarget, keyDescriptions, modified, type AuditEvent } from './audit-records.js';
import { parseCertificate, verifyCertificateJwt } from './certificates.js';
import { badRequest } from './graph-errors.js';
import { noContent, type GraphCall, type GraphResult } from './graph-call.js';
import { isGuid, newGuid } from './ids.js';
import { authorize, PERMISSIONS } from './permissions.js';
import { GRAPH_APP_ID, type KeyCredentialRecord, type ServicePrincipalRecord } from './state.js';

/** Audiences the removeKey proof may name: AAD Graph's appId (older docs) or Microsoft Graph's (newer docs). */
const PROOF_AUDIENCES = new Set(['00000002-0000-0000-c000-000000000000', GRAPH_APP_ID]);
/** "exp should be nbf + 10 minutes". */
const PROOF_MAX_LIFETIME_SECONDS = 600;
const CLOCK_SKEW_SECONDS = 300;

function bodyObject(call: GraphCall): Record<string, unknown> {
  const body = call.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function keyIdOf(body: Record<string, unknown>, resource: string): string {
  const keyId = body.keyId;
  if (typeof keyId !== 'string' || !isGuid(keyId)) {
    throw badRequest(`Invalid value specified for property 'keyId' of resource '${resource}'.`);
  }
  return keyId.toLowerCase();
}

/** POST /servicePrincipals/{id}/removePassword {keyId} → 204. */
export function removePassword(call: GraphCall, sp: ServicePrincipalRecord): GraphResult {
  const keyId = keyIdOf(bodyObject(call), 'PasswordCredential');
  const index = sp.passwordCredentials.findIndex((p) => p.keyId === keyId);
  if (index < 0) throw badRequest(`No password credential found with keyId '${keyId}'.`);
  const before = keyDescriptions(sp);
  sp.passwordCredentials.splice(index, 1);
  call.mutated('removePassword', sp.id, `keyId=${keyId}`);
  call.audited(servicePrincipalCredentialsAudit(sp, before, 'remove'));
  return noContent();
}

/** "Add service principal credentials" / "Remove service principal credentials", with the KeyDescription lists. */
export function servicePrincipalCredentialsAudit(
  sp: ServicePrincipalRecord,
  before: string[],
  change: 'add' | 'remove',
): AuditEvent {
  return {
    activity:
      change === 'add'
        ? AUDIT_ACTIVITIES.addServicePrincipalCredentials
        : AUDIT_ACTIVITIES.removeServicePrincipalCredentials,
    category: 'ApplicationManagement',
    operationType: 'Update',
    targets: [
      auditTarget('ServicePrincipal', sp.id, sp.displayName, [
        modified('KeyDescription', before, keyDescriptions(sp)),
        modified('Included Updated Properties', undefined, 'KeyDescription'),
      ]),
    ],
    additionalDetails: [{ key: 'AppId', value: sp.appId }],
  };
}

/**
 * POST /servicePrincipals/{id}/removeKey {keyId, proof} → 204. The proof is a JWT signed with one of the SP's
 * currently valid certificates: aud 00000002-0000-0000-c000-000000000000, iss the SP's object id, nbf, and exp at
 * most ten minutes after nbf. https://learn.microsoft.com/graph/application-rollkey-prooftoken
 */
export async function removeKey(call: GraphCall, sp: ServicePrincipalRecord): Promise<GraphResult> {
  const body = bodyObject(call);
  const keyId = keyIdOf(body, 'KeyCredential');
  const proof = body.proof;
  if (typeof proof !== 'string' || proof === '') {
    throw badRequest("The 'proof' parameter is required: a proof-of-possession JWT signed by an existing key.");
  }
  const index = sp.keyCredentials.findIndex((k) => k.keyId === keyId);
  if (index < 0) throw badRequest(`No key credential found with keyId '${keyId}'.`);
  const refused = (reason: string) => badRequest(`Proof of possession validation failed: ${reason}`);
  const result = await verifyCertificateJwt(proof, sp.keyCredentials, call.now);
  if (!result.ok) {
    throw refused(
      result.failure === 'unknown-key'
        ? 'the proof is not signed by a current certificate of this service principal.'
        : result.failure === 'signature'
          ? 'invalid signature.'
          : 'the proof is not a well-formed JWT.',
    );
  }
  const { aud, iss, nbf, exp } = result.payload;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.some((a) => a !== undefined && PROOF_AUDIENCES.has(a.toLowerCase()))) {
    throw refused("'aud' must be 00000002-0000-0000-c000-000000000000.");
  }
  if (iss?.toLowerCase() !== sp.id) throw refused("'iss' must be the object id of the service principal.");
  if (typeof nbf !== 'number' || typeof exp !== 'number') throw refused("'nbf' and 'exp' are required.");
  const now = call.now.getTime() / 1000;
  if (exp - nbf > PROOF_MAX_LIFETIME_SECONDS) throw refused("'exp' must be at most 10 minutes after 'nbf'.");
  if (exp + CLOCK_SKEW_SECONDS < now || nbf - CLOCK_SKEW_SECONDS > now) throw refused('the proof has expired.');
  const before = keyDescriptions(sp);
  sp.keyCredentials.splice(index, 1);
  call.mutated('removeKey', sp.id, `keyId=${keyId}`);
  call.audited(servicePrincipalCredentialsAudit(sp, before, 'remove'));
  return noContent();
}

/**
 * The `keyCredentials` of a PATCH: the list replaces the current one. Entries whose keyId exists keep that
 * credential (its key may be repeated but not changed); new entries must carry the certificate as base64 `key`.
 * Sending the list without a credential is the documented way to drop a certificate without its private key.
 */
export function replaceKeyCredentials(
  sp: { keyCredentials: KeyCredentialRecord[] },
  value: unknown,
  resource: 'ServicePrincipal' | 'Application' = 'ServicePrincipal',
): KeyCredentialRecord[] {
  if (!Array.isArray(value))
    throw badRequest(`Invalid value specified for property 'keyCredentials' of resource '${resource}'.`);
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw badRequest(`keyCredentials[${i}] must be an object.`);
    }
    const e = entry as Record<string, unknown>;
    if (e.keyId !== undefined && e.keyId !== null && (typeof e.keyId !== 'string' || !isGuid(e.keyId))) {
      throw badRequest(`Invalid value specified for property 'keyId' of keyCredentials[${i}].`);
    }
    const keyId = typeof e.keyId === 'string' ? e.keyId.toLowerCase() : undefined;
    if (keyId !== undefined) {
      if (seen.has(keyId)) throw badRequest(`Duplicate keyId '${keyId}' in keyCredentials.`);
      seen.add(keyId);
    }
    const existing = keyId === undefined ? undefined : sp.keyCredentials.find((k) => k.keyId === keyId);
    const key = e.key;
    if (key !== undefined && key !== null && typeof key !== 'string') {
      throw badRequest(`keyCredentials[${i}].key must be the base64-encoded certificate.`);
    }
    if (existing) {
      if (typeof key === 'string' && parseKey(key, i).der !== existing.certificate) {
        throw badRequest(`Update to existing credential with KeyId '${existing.keyId}' is not allowed.`);
      }
      return existing;
    }
    if (typeof key !== 'string')
      throw badRequest(`keyCredentials[${i}]: a new key credential needs 'key' (base64 certificate).`);
    if (e.type !== 'AsymmetricX509Cert') throw badRequest(`keyCredentials[${i}].type must be 'AsymmetricX509Cert'.`);
    if (e.usage !== 'Verify')
      throw badRequest(`keyCredentials[${i}].usage must be 'Verify' (signing keys are not modelled).`);
    const cert = parseKey(key, i);
    const id = keyId ?? newGuid();
    seen.add(id);
    return {
      keyId: id,
      displayName: typeof e.displayName === 'string' ? e.displayName : null,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      customKeyIdentifier: cert.thumbprint,
      certificate: cert.der,
      startDateTime: dateOf(e.startDateTime, `keyCredentials[${i}].startDateTime`) ?? cert.notBefore,
      endDateTime: dateOf(e.endDateTime, `keyCredentials[${i}].endDateTime`) ?? cert.notAfter,
    } satisfies KeyCredentialRecord;
  });
}

function dateOf(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw badRequest(`${name} must be an ISO 8601 timestamp.`);
  return new Date(time).toISOString();
}

function parseKey(key: string, index: number) {
  try {
    return parseCertificate(key);
  } catch (error) {
    throw badRequest(`keyCredentials[${index}].key ${error instanceof Error ? error.message : String(error)}.`);
  }
}

export const credentialPermission = (call: GraphCall): void =>
  authorize(call.caller, PERMISSIONS.writeServicePrincipal);
