import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { certificateMatchesKey, parseCertificate } from './certificates.js';

const guid = z.guid({ message: 'must be a GUID, e.g. 26b7f9fa-ece8-4e81-8997-610171802439' });
const isoDate = z.iso.datetime({ message: 'must be an ISO 8601 UTC timestamp, e.g. 2026-01-31T12:00:00Z' });
/** appRoleAssignment and oauth2PermissionGrant ids are base64url strings in Graph. */
const objectRef = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of [A-Za-z0-9_-] (Graph uses 43-character base64url ids)');
const domain = z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a domain name, e.g. contoso.example');

const refreshTokenSeed = z.object({
  /** Opaque; whoever holds it can redeem it (that is the point of the sandbox). */
  token: z.string().min(20, 'must be at least 20 characters'),
  /** appId of the client the token was issued to. */
  clientAppId: guid,
  issuedDateTime: isoDate,
});

const userSeed = z.object({
  id: guid,
  userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must look like user@domain'),
  displayName: z.string().min(1),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  jobTitle: z.string().optional(),
  mail: z.string().optional(),
  accountEnabled: z.boolean().optional(),
  createdDateTime: isoDate.optional(),
  /** Refresh tokens issued before this instant are refused (AADSTS50173). Default: createdDateTime. */
  signInSessionsValidFromDateTime: isoDate.optional(),
  refreshTokens: z.array(refreshTokenSeed).optional(),
  /** Sign-ins before the sandbox started, as signInActivity reports them. */
  signInActivity: z
    .object({
      lastSignInDateTime: isoDate.optional(),
      lastSignInRequestId: guid.optional(),
      lastNonInteractiveSignInDateTime: isoDate.optional(),
      lastNonInteractiveSignInRequestId: guid.optional(),
      lastSuccessfulSignInDateTime: isoDate.optional(),
      lastSuccessfulSignInRequestId: guid.optional(),
    })
    .optional(),
});

const appRoleSeed = z.object({
  id: guid,
  value: z.string().min(1),
  displayName: z.string().optional(),
});

const passwordCredentialSeed = z.object({
  keyId: guid,
  displayName: z.string().optional(),
  /** Stored in plain text: sandbox only. Graph never returns it; the first three characters become the hint. */
  secretText: z.string().min(16, 'must be at least 16 characters'),
  startDateTime: isoDate.optional(),
  endDateTime: isoDate.optional(),
});

const keyCredentialSeed = z.object({
  keyId: guid,
  displayName: z.string().optional(),
  /** PEM certificate or base64 DER (RSA). */
  certificate: z.string(),
  /** Sandbox only: lets tests sign client assertions and removeKey proofs. Never served, never kept in state. */
  privateKeyPem: z.string().optional(),
  /** Default: the certificate's validity. */
  startDateTime: isoDate.optional(),
  endDateTime: isoDate.optional(),
});

const servicePrincipalSeed = z.object({
  id: guid,
  appId: guid,
  displayName: z.string().min(1),
  accountEnabled: z.boolean().optional(),
  /** Tenant that owns the application registration; another tenant's id makes this a multi-tenant app. */
  appOwnerOrganizationId: guid,
  /**
   * Who may sign in: AzureADMyOrg (single-tenant) or AzureADMultipleOrgs. Default: AzureADMyOrg for an app owned
   * by this tenant, AzureADMultipleOrgs otherwise. Only a multi-tenant app's service principal in another tenant
   * served here gets tokens there.
   */
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).optional(),
  /** "Allow public client flows": refresh tokens may be redeemed with client_id alone. */
  isFallbackPublicClient: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
  /** Application permissions this SP publishes as a resource (e.g. Microsoft Graph's Mail.Read). */
  appRoles: z.array(appRoleSeed).optional(),
  passwordCredentials: z.array(passwordCredentialSeed).optional(),
  keyCredentials: z.array(keyCredentialSeed).optional(),
  /**
   * Secrets on the application object in its home tenant (multi-tenant apps only): invisible to and not removable
   * through this tenant's Graph, accepted by the token endpoint until the service principal is disabled.
   */
  homeTenantSecrets: z.array(z.string().min(16, 'must be at least 16 characters')).optional(),
});

/** Federated credential names: 3-120 characters, letters, digits, `-` and `_`, starting with a letter or digit. */
const federatedCredentialName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/,
    'must be 3-120 characters of [A-Za-z0-9_-], starting with a letter or digit',
  );

const federatedCredentialSeed = z.object({
  id: guid,
  name: federatedCredentialName,
  /** The external OpenID Connect issuer, e.g. https://token.actions.githubusercontent.com. */
  issuer: z.url({ protocol: /^https$/, message: 'must be an https URL' }),
  /** The external workload, e.g. repo:octo-org/octo-repo:environment:prod. */
  subject: z.string().min(1).max(600),
  /** Default: ["api://AzureADTokenExchange"]. */
  audiences: z.array(z.string().min(1)).length(1, 'Entra takes exactly one audience').optional(),
  description: z.string().max(600).optional(),
});

/**
 * An application object (app registration) homed in this tenant. Its credentials authenticate its service principal
 * (give the SP the same appId and this tenant as appOwnerOrganizationId).
 */
const applicationSeed = z.object({
  id: guid,
  appId: guid,
  displayName: z.string().min(1),
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).optional(),
  createdDateTime: isoDate.optional(),
  /** Service principal object ids that own the app (what Application.ReadWrite.OwnedBy may change). */
  owners: z.array(guid).optional(),
  passwordCredentials: z.array(passwordCredentialSeed).optional(),
  keyCredentials: z.array(keyCredentialSeed).optional(),
  federatedIdentityCredentials: z.array(federatedCredentialSeed).optional(),
});

const appRoleAssignmentSeed = z
  .object({
    id: objectRef,
    /** The client service principal granted the application permission. */
    principalId: guid,
    /** The resource service principal that defines the app role (e.g. Microsoft Graph). */
    resourceId: guid,
    appRoleId: guid.optional(),
    /** Alternative to appRoleId: the role's value on the resource, e.g. "Mail.Read". */
    appRole: z.string().optional(),
    createdDateTime: isoDate.optional(),
  })
  .refine((a) => (a.appRoleId === undefined) !== (a.appRole === undefined), {
    message: 'give exactly one of appRoleId or appRole',
    path: ['appRole'],
  });

const grantSeed = z
  .object({
    id: objectRef,
    /** Object id of the client service principal. */
    clientId: guid,
    consentType: z.enum(['Principal', 'AllPrincipals']),
    principalId: guid.nullable().optional(),
    /** Object id of the resource service principal. */
    resourceId: guid,
    /** Space-separated delegated permissions, e.g. "Mail.Read offline_access". */
    scope: z.string(),
  })
  .refine((g) => (g.consentType === 'Principal') === (g.principalId !== undefined && g.principalId !== null), {
    message: 'Principal grants need a principalId (the user); AllPrincipals grants must not have one',
    path: ['principalId'],
  });

export const entraSeedSchema = z
  .object({
    tenant: z.object({
      id: guid,
      /** Short name, e.g. "contoso" (shown in error messages). */
      name: z.string().min(1),
      displayName: z.string().min(1),
      /** Verified domains; token endpoint paths accept these as well as the tenant id. */
      domains: z.array(domain).min(1),
    }),
    users: z.array(userSeed),
    servicePrincipals: z.array(servicePrincipalSeed),
    appRoleAssignments: z.array(appRoleAssignmentSeed).optional(),
    oauth2PermissionGrants: z.array(grantSeed).optional(),
    /** Application objects homed here (optional: a service principal alone keeps its own credentials). */
    applications: z.array(applicationSeed).optional(),
  })
  .superRefine((seed, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const objectIds = new Set<string>();
    const claim = (id: string, path: (string | number)[]) => {
      if (objectIds.has(id.toLowerCase())) issue(path, `duplicate object id ${id}`);
      objectIds.add(id.toLowerCase());
    };
    /** Secrets and certificates of an SP or an application: unique keyIds, parseable certificates, matching keys. */
    const checkCredentials = (
      owner: {
        passwordCredentials?: { keyId: string }[] | undefined;
        keyCredentials?: { keyId: string; certificate: string; privateKeyPem?: string | undefined }[] | undefined;
      },
      at: (string | number)[],
    ) => {
      const keyIds = new Set<string>();
      const claimKey = (keyId: string, path: (string | number)[]) => {
        if (keyIds.has(keyId.toLowerCase())) issue(path, `duplicate keyId ${keyId}`);
        keyIds.add(keyId.toLowerCase());
      };
      owner.passwordCredentials?.forEach((p, i) => claimKey(p.keyId, [...at, 'passwordCredentials', i, 'keyId']));
      owner.keyCredentials?.forEach((k, i) => {
        const path = [...at, 'keyCredentials', i];
        claimKey(k.keyId, [...path, 'keyId']);
        try {
          parseCertificate(k.certificate);
        } catch (error) {
          issue([...path, 'certificate'], error instanceof Error ? error.message : String(error));
          return;
        }
        if (k.privateKeyPem !== undefined) {
          let matches = false;
          try {
            matches = certificateMatchesKey(k.certificate, k.privateKeyPem);
          } catch {
            matches = false;
          }
          if (!matches) issue([...path, 'privateKeyPem'], 'is not the private key of this certificate');
        }
      });
    };
    const upns = new Set<string>();
    const tokens = new Set<string>();
    seed.users.forEach((user, u) => {
      claim(user.id, ['users', u, 'id']);
      const upn = user.userPrincipalName.toLowerCase();
      if (upns.has(upn)) issue(['users', u, 'userPrincipalName'], `duplicate userPrincipalName ${upn}`);
      upns.add(upn);
      user.refreshTokens?.forEach((rt, r) => {
        if (tokens.has(rt.token)) issue(['users', u, 'refreshTokens', r, 'token'], 'duplicate refresh token');
        tokens.add(rt.token);
        if (!seed.servicePrincipals.some((sp) => sp.appId.toLowerCase() === rt.clientAppId.toLowerCase())) {
          issue(['users', u, 'refreshTokens', r, 'clientAppId'], `no service principal has appId ${rt.clientAppId}`);
        }
      });
    });

    const appIds = new Set<string>();
    seed.servicePrincipals.forEach((sp, s) => {
      claim(sp.id, ['servicePrincipals', s, 'id']);
      if (appIds.has(sp.appId.toLowerCase())) issue(['servicePrincipals', s, 'appId'], `duplicate appId ${sp.appId}`);
      appIds.add(sp.appId.toLowerCase());
      checkCredentials(sp, ['servicePrincipals', s]);
      if (sp.homeTenantSecrets?.length && sp.appOwnerOrganizationId.toLowerCase() === seed.tenant.id.toLowerCase()) {
        issue(
          ['servicePrincipals', s, 'homeTenantSecrets'],
          'only apps owned by another tenant have home-tenant secrets',
        );
      }
    });

    const spById = new Map(seed.servicePrincipals.map((sp) => [sp.id.toLowerCase(), sp]));
    const applicationAppIds = new Set<string>();
    seed.applications?.forEach((app, a) => {
      const path = ['applications', a];
      claim(app.id, [...path, 'id']);
      const appId = app.appId.toLowerCase();
      if (applicationAppIds.has(appId)) issue([...path, 'appId'], `duplicate appId ${app.appId}`);
      applicationAppIds.add(appId);
      const sp = seed.servicePrincipals.find((p) => p.appId.toLowerCase() === appId);
      if (sp && sp.appOwnerOrganizationId.toLowerCase() !== seed.tenant.id.toLowerCase()) {
        issue([...path, 'appId'], `the service principal of ${app.appId} names another tenant as the app's owner`);
      }
      app.owners?.forEach((owner, o) => {
        if (!spById.has(owner.toLowerCase())) issue([...path, 'owners', o], `no service principal has id ${owner}`);
      });
      checkCredentials(app, path);
      const names = new Set<string>();
      app.federatedIdentityCredentials?.forEach((f, i) => {
        claim(f.id, [...path, 'federatedIdentityCredentials', i, 'id']);
        if (names.has(f.name.toLowerCase())) {
          issue([...path, 'federatedIdentityCredentials', i, 'name'], `duplicate name ${f.name}`);
        }
        names.add(f.name.toLowerCase());
      });
    });
    const userIds = new Set(seed.users.map((u) => u.id.toLowerCase()));
    seed.appRoleAssignments?.forEach((a, i) => {
      claim(a.id, ['appRoleAssignments', i, 'id']);
      if (!spById.has(a.principalId.toLowerCase())) {
        issue(['appRoleAssignments', i, 'principalId'], `no service principal has id ${a.principalId}`);
      }
      const resource = spById.get(a.resourceId.toLowerCase());
      if (!resource) {
        issue(['appRoleAssignments', i, 'resourceId'], `no service principal has id ${a.resourceId}`);
        return;
      }
      const role = resource.appRoles?.find((r) =>
        a.appRoleId !== undefined ? r.id.toLowerCase() === a.appRoleId.toLowerCase() : r.value === a.appRole,
      );
      if (!role) {
        issue(
          ['appRoleAssignments', i, a.appRoleId !== undefined ? 'appRoleId' : 'appRole'],
          `${resource.displayName} defines no app role ${a.appRoleId ?? a.appRole ?? ''}`,
        );
      }
    });
    seed.oauth2PermissionGrants?.forEach((g, i) => {
      claim(g.id, ['oauth2PermissionGrants', i, 'id']);
      if (!spById.has(g.clientId.toLowerCase())) {
        issue(['oauth2PermissionGrants', i, 'clientId'], `no service principal has id ${g.clientId}`);
      }
      if (!spById.has(g.resourceId.toLowerCase())) {
        issue(['oauth2PermissionGrants', i, 'resourceId'], `no service principal has id ${g.resourceId}`);
      }
      if (g.principalId && !userIds.has(g.principalId.toLowerCase())) {
        issue(['oauth2PermissionGrants', i, 'principalId'], `no user has id ${g.principalId}`);
      }
    });
  });

/** The seed as authors write it (optional fields may be omitted). */
export type EntraSeed = z.input<typeof entraSeedSchema>;
/** The seed after validation. */
export type ValidatedEntraSeed = z.output<typeof entraSeedSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? String(part) : `${out}.${String(part)}`;
  }, '');
}

export class EntraSeedError extends Error {
  override readonly name = 'EntraSeedError';
}

/** Validates a seed object; the message names each offending field, e.g. `servicePrincipals[1].keyCredentials[0].certificate`. */
export function parseEntraSeed(input: unknown, source = 'seed'): ValidatedEntraSeed {
  const result = entraSeedSchema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
  throw new EntraSeedError(`Invalid Entra seed ${source}: ${details.join('; ')}`);
}

export function loadEntraSeed(path: string): EntraSeed {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EntraSeedError(
      `Cannot read Entra seed ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseEntraSeed(raw, path);
}
