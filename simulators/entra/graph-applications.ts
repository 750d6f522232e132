// Application objects (app registrations): read, add and remove password credentials, and federated identity
// credentials — what an attacker with Application.ReadWrite.All does to keep a way in, and what containment undoes.
// https://learn.microsoft.com/graph/api/resources/application, …/application-addpassword,
// …/application-removepassword, …/resources/federatedidentitycredential
import { randomBytes } from 'node:crypto';
import {
  AUDIT_ACTIVITIES,
  auditTarget,
  federatedDescriptions,
  keyDescriptions,
  modified,
  type AuditEvent,
} from './audit-records.js';
import { replaceKeyCredentials } from './graph-credentials.js';
import { badRequest, GraphError, insufficientPrivileges, resourceNotFound } from './graph-errors.js';
import { noContent, ok, type GraphCall, type GraphResult } from './graph-call.js';
import { isGuid, newGuid } from './ids.js';
import { collectionContext, entityContext, page, parseQuery, project } from './odata.js';
import { allows, authorize, PERMISSIONS } from './permissions.js';
import {
  findApplicationByAppId,
  type ApplicationRecord,
  type FederatedCredentialRecord,
  type PasswordCredentialRecord,
} from './state.js';

/** How a URL names an application: `/applications/{id}` or `/applications(appId='{appId}')`. */
export type ApplicationRef = { readonly by: 'id' | 'appId'; readonly value: string };

const TWO_YEARS_MS = 2 * 365 * 86_400_000;
/** "A maximum of 20 federated identity credentials can be added to an application." */
const MAX_FEDERATED_CREDENTIALS = 20;
const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
const FEDERATED_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;

export function resolveApplication(call: GraphCall, ref: ApplicationRef): ApplicationRecord {
  const app =
    ref.by === 'id'
      ? call.state.applications.get(ref.value.toLowerCase())
      : findApplicationByAppId(call.state, ref.value);
  if (!app) throw resourceNotFound(ref.value);
  return app;
}

/**
 * Application.ReadWrite.OwnedBy reaches only the apps whose owners include the caller's service principal; the
 * other permissions reach every app. Unowned apps answer 403, as Graph answers.
 */
function authorizeOn(call: GraphCall, app: ApplicationRecord, access: 'read' | 'write'): void {
  const rule = access === 'read' ? PERMISSIONS.readApplication : PERMISSIONS.writeApplication;
  authorize(call.caller, rule);
  const withoutOwnedBy = {
    ...rule,
    application: rule.application.filter((all) => !all.includes('Application.ReadWrite.OwnedBy')),
  };
  if (!allows(call.caller, withoutOwnedBy) && !app.owners.includes(call.caller.oid.toLowerCase())) {
    throw insufficientPrivileges();
  }
}

const passwordView = (p: PasswordCredentialRecord) => ({
  customKeyIdentifier: null,
  displayName: p.displayName,
  endDateTime: p.endDateTime,
  hint: p.hint,
  keyId: p.keyId,
  secretText: null,
  startDateTime: p.startDateTime,
});

const federatedView = (f: FederatedCredentialRecord) => ({
  audiences: [...f.audiences],
  description: f.description,
  id: f.id,
  issuer: f.issuer,
  name: f.name,
  subject: f.subject,
});

export function applicationView(app: ApplicationRecord): Record<string, unknown> {
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    identifierUris: [],
    keyCredentials: app.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: k.type,
      usage: k.usage,
    })),
    passwordCredentials: app.passwordCredentials.map(passwordView),
    signInAudience: app.signInAudience,
    tags: [],
  };
}

/** GET /applications/{id} and /applications(appId='{appId}'). */
export function getApplication(call: GraphCall, ref: ApplicationRef): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'read');
  const { select } = parseQuery(call, { select: true });
  return ok({
    '@odata.context': entityContext(call, 'applications', select),
    ...project(applicationView(app), select, 'application'),
  });
}

/** GET /applications[?$filter=appId eq '…'] (OwnedBy callers see the apps they own). */
export function listApplications(call: GraphCall): GraphResult {
  authorize(call.caller, PERMISSIONS.readApplication);
  const options = parseQuery(call, { select: true, paging: true, filter: ['appId', 'displayName', 'id'] });
  const { filter } = options;
  const all = [...call.state.applications.values()].filter((app) => {
    try {
      authorizeOn(call, app, 'read');
    } catch {
      return false;
    }
    if (!filter) return true;
    const value = app[filter.property as 'appId' | 'displayName' | 'id'];
    return filter.property === 'displayName' ? value === filter.value : value === filter.value.toLowerCase();
  });
  const { items, nextLink } = page(call, all, options);
  return ok({
    '@odata.context': collectionContext(call, 'applications', options.select),
    ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
    value: items.map((app) => project(applicationView(app), options.select, 'application')),
  });
}

function bodyObject(call: GraphCall): Record<string, unknown> {
  const body = call.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function dateOf(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time))
    throw badRequest(`Invalid value specified for property '${name}' of resource 'PasswordCredential'.`);
  return new Date(time).toISOString();
}

// Entra client secrets: three characters, a digit, `Q~`, then 34 more (40 in all).
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-';
const randomText = (length: number) =>
  [...randomBytes(length)].map((b) => SECRET_ALPHABET[b % SECRET_ALPHABET.length]).join('');
const newSecretText = () => `${randomText(3)}8Q~${randomText(34)}`;

/**
 * A new password credential from an addPassword body (`{passwordCredential: {displayName, startDateTime,
 * endDateTime}}`): Graph generates the secret and returns it once.
 */
export function newPasswordCredential(call: GraphCall): PasswordCredentialRecord {
  const body = bodyObject(call);
  const requested = body.passwordCredential ?? {};
  if (typeof requested !== 'object' || requested === null || Array.isArray(requested)) {
    throw badRequest("Invalid value specified for property 'passwordCredential'.");
  }
  const p = requested as Record<string, unknown>;
  if (p.displayName !== undefined && p.displayName !== null && typeof p.displayName !== 'string') {
    throw badRequest("Invalid value specified for property 'displayName' of resource 'PasswordCredential'.");
  }
  if (p.secretText !== undefined && p.secretText !== null) {
    throw badRequest('A password credential is generated by the service: secretText cannot be set.');
  }
  const start = dateOf(p.startDateTime, 'startDateTime') ?? call.now.toISOString();
  const end = dateOf(p.endDateTime, 'endDateTime') ?? new Date(Date.parse(start) + TWO_YEARS_MS).toISOString();
  if (Date.parse(end) <= Date.parse(start)) throw badRequest('endDateTime must be after startDateTime.');
  const secretText = newSecretText();
  return {
    keyId: newGuid(),
    displayName: typeof p.displayName === 'string' ? p.displayName : null,
    hint: secretText.slice(0, 3),
    secretText,
    startDateTime: start,
    endDateTime: end,
  };
}

export const addedPassword = (call: GraphCall, p: PasswordCredentialRecord): GraphResult =>
  ok({
    '@odata.context': `${call.graphBase}/$metadata#microsoft.graph.passwordCredential`,
    ...passwordView(p),
    secretText: p.secretText,
  });

function credentialsAudit(
  app: ApplicationRecord,
  before: string[],
  operationType: AuditEvent['operationType'],
): AuditEvent {
  return {
    activity: AUDIT_ACTIVITIES.applicationCredentials,
    category: 'ApplicationManagement',
    operationType,
    targets: [
      auditTarget('Application', app.id, app.displayName, [
        modified('KeyDescription', before, keyDescriptions(app)),
        modified('Included Updated Properties', undefined, 'KeyDescription'),
      ]),
    ],
    additionalDetails: [{ key: 'AppId', value: app.appId }],
  };
}

/** POST /applications/{id}/addPassword → 200 passwordCredential, secretText included this once. */
export function addApplicationPassword(call: GraphCall, ref: ApplicationRef): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'write');
  const credential = newPasswordCredential(call);
  const before = keyDescriptions(app);
  app.passwordCredentials.push(credential);
  call.mutated('addPassword', app.id, `keyId=${credential.keyId}`);
  call.audited(credentialsAudit(app, before, 'Update'));
  return addedPassword(call, credential);
}

const PATCHABLE = new Set(['displayName', 'keyCredentials']);

/**
 * PATCH /applications/{id}: displayName and keyCredentials (the list replaces the current one, as for service
 * principals: the documented way to drop a certificate without a proof signed by one). passwordCredentials is
 * read-only: addPassword and removePassword.
 */
export function updateApplication(call: GraphCall, ref: ApplicationRef): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'write');
  const changes = bodyObject(call);
  for (const key of Object.keys(changes)) {
    if (key === 'passwordCredentials') {
      throw badRequest(
        "Property 'passwordCredentials' is read-only and cannot be set. Use addPassword and removePassword.",
      );
    }
    if (!PATCHABLE.has(key)) {
      throw badRequest(
        `Property '${key}' does not exist as a declared property or extension property, or is not writable by this simulator.`,
      );
    }
  }
  const { displayName, keyCredentials } = changes;
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.trim() === '')) {
    throw badRequest("Invalid value specified for property 'displayName' of resource 'Application'.");
  }
  const nextKeys = keyCredentials === undefined ? undefined : replaceKeyCredentials(app, keyCredentials, 'Application');
  const before = keyDescriptions(app);
  const details: string[] = [];
  if (typeof displayName === 'string') {
    app.displayName = displayName;
    details.push(`displayName=${JSON.stringify(displayName)}`);
  }
  if (nextKeys) {
    const removed = app.keyCredentials.filter((k) => !nextKeys.includes(k)).map((k) => k.keyId);
    app.keyCredentials = nextKeys;
    details.push(`keyCredentials removed=[${removed.join(',')}]`);
    call.audited(credentialsAudit(app, before, 'Update'));
  }
  if (typeof displayName === 'string') {
    call.audited({
      activity: AUDIT_ACTIVITIES.updateApplication,
      category: 'ApplicationManagement',
      operationType: 'Update',
      targets: [auditTarget('Application', app.id, app.displayName, [modified('DisplayName', undefined, displayName)])],
      additionalDetails: [{ key: 'AppId', value: app.appId }],
    });
  }
  call.mutated('updateApplication', app.id, details.join('; '));
  return noContent();
}

/** POST /applications/{id}/removePassword {keyId} → 204. */
export function removeApplicationPassword(call: GraphCall, ref: ApplicationRef): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'write');
  const keyId = bodyObject(call).keyId;
  if (typeof keyId !== 'string' || !isGuid(keyId)) {
    throw badRequest("Invalid value specified for property 'keyId' of resource 'PasswordCredential'.");
  }
  const index = app.passwordCredentials.findIndex((p) => p.keyId === keyId.toLowerCase());
  if (index < 0) throw badRequest(`No password credential found with keyId '${keyId.toLowerCase()}'.`);
  const before = keyDescriptions(app);
  app.passwordCredentials.splice(index, 1);
  call.mutated('removePassword', app.id, `keyId=${keyId.toLowerCase()}`);
  call.audited(credentialsAudit(app, before, 'Update'));
  return noContent();
}

function federatedAudit(app: ApplicationRecord, before: ReturnType<typeof federatedDescriptions>): AuditEvent {
  return {
    activity: AUDIT_ACTIVITIES.updateApplication,
    category: 'ApplicationManagement',
    operationType: 'Update',
    targets: [
      auditTarget('Application', app.id, app.displayName, [
        modified('FederatedIdentityCredentials', before, federatedDescriptions(app.federatedIdentityCredentials)),
        modified('Included Updated Properties', undefined, 'FederatedIdentityCredentials'),
      ]),
    ],
    additionalDetails: [{ key: 'AppId', value: app.appId }],
  };
}

const federatedContext = (call: GraphCall, app: ApplicationRecord) =>
  `${call.graphBase}/$metadata#applications('${app.id}')/federatedIdentityCredentials`;

/** GET /applications/{id}/federatedIdentityCredentials */
export function listFederatedCredentials(call: GraphCall, ref: ApplicationRef): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'read');
  const options = parseQuery(call, { select: true, paging: true });
  const { items, nextLink } = page(call, app.federatedIdentityCredentials, options);
  return ok({
    '@odata.context': federatedContext(call, app),
    ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
    value: items.map((f) => project(federatedView(f), options.select, 'federatedIdentityCredential')),
  });
}

/** A federated credential by its id or its name ("federatedIdentityCredentialId or name" in the URL). */
function federatedCredential(app: ApplicationRecord, idOrName: string): FederatedCredentialRecord {
  const wanted = idOrName.toLowerCase();
  const found = app.federatedIdentityCredentials.find((f) => f.id === wanted || f.name.toLowerCase() === wanted);
  if (!found) throw resourceNotFound(idOrName);
  return found;
}

/** GET /applications/{id}/federatedIdentityCredentials/{id or name} */
export function getFederatedCredential(call: GraphCall, ref: ApplicationRef, idOrName: string): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'read');
  const found = federatedCredential(app, idOrName);
  const { select } = parseQuery(call, { select: true });
  return ok({
    '@odata.context': `${federatedContext(call, app)}/$entity`,
    ...project(federatedView(found), select, 'federatedIdentityCredential'),
  });
}

/** POST /applications/{id}/federatedIdentityCredentials {name, issuer, subject, audiences, description} → 201. */
export function addFederatedCredential(call: GraphCall, ref: ApplicationRef): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'write');
  const body = bodyObject(call);
  const { name, issuer, subject, audiences, description } = body;
  const invalid = (property: string) =>
    badRequest(`Invalid value specified for property '${property}' of resource 'FederatedIdentityCredential'.`);
  if (typeof name !== 'string' || !FEDERATED_NAME.test(name)) throw invalid('name');
  if (typeof issuer !== 'string' || !/^https:\/\/[^\s/]+/.test(issuer)) throw invalid('issuer');
  if (typeof subject !== 'string' || subject === '' || subject.length > 600) throw invalid('subject');
  if (
    audiences !== undefined &&
    (!Array.isArray(audiences) || audiences.length !== 1 || typeof audiences[0] !== 'string' || audiences[0] === '')
  ) {
    throw invalid('audiences');
  }
  if (
    description !== undefined &&
    description !== null &&
    (typeof description !== 'string' || description.length > 600)
  ) {
    throw invalid('description');
  }
  for (const key of Object.keys(body)) {
    if (!['name', 'issuer', 'subject', 'audiences', 'description'].includes(key)) {
      throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.federatedIdentityCredential'.`);
    }
  }
  const list = app.federatedIdentityCredentials;
  if (list.some((f) => f.name.toLowerCase() === name.toLowerCase())) {
    throw new GraphError(
      409,
      'Request_MultipleObjectsWithSameKeyValue',
      `FederatedIdentityCredential with name ${name} already exists.`,
    );
  }
  if (list.some((f) => f.issuer === issuer && f.subject === subject)) {
    throw new GraphError(
      409,
      'Request_MultipleObjectsWithSameKeyValue',
      'A federated identity credential with the same issuer and subject already exists on this application.',
    );
  }
  if (list.length >= MAX_FEDERATED_CREDENTIALS) {
    throw badRequest(`An application can have at most ${MAX_FEDERATED_CREDENTIALS} federated identity credentials.`);
  }
  const before = federatedDescriptions(list);
  const created: FederatedCredentialRecord = {
    id: newGuid(),
    name,
    issuer,
    subject,
    audiences: Array.isArray(audiences) ? [String(audiences[0])] : [TOKEN_EXCHANGE_AUDIENCE],
    description: typeof description === 'string' ? description : null,
  };
  list.push(created);
  call.mutated('addFederatedIdentityCredential', app.id, `id=${created.id} name=${created.name}`);
  call.audited(federatedAudit(app, before));
  return {
    status: 201,
    body: { '@odata.context': `${federatedContext(call, app)}/$entity`, ...federatedView(created) },
  };
}

/** DELETE /applications/{id}/federatedIdentityCredentials/{id or name} → 204. */
export function deleteFederatedCredential(call: GraphCall, ref: ApplicationRef, idOrName: string): GraphResult {
  const app = resolveApplication(call, ref);
  authorizeOn(call, app, 'write');
  const found = federatedCredential(app, idOrName);
  const before = federatedDescriptions(app.federatedIdentityCredentials);
  app.federatedIdentityCredentials = app.federatedIdentityCredentials.filter((f) => f !== found);
  call.mutated('deleteFederatedIdentityCredential', app.id, `id=${found.id} name=${found.name}`);
  call.audited(federatedAudit(app, before));
  return noContent();
}
