import { z } from 'zod';
import type { Alert, Severity } from '../../domain/alert.js';
import type { GcpPrincipal } from '../../domain/principal.js';
import { displayText, urlComponent } from './alert-fields.js';
import type { Found } from './cloud-identities.js';
import { pubSubPush } from './pubsub.js';
import { defineSource, IgnoredAlert, UnmappableAlert } from './source-adapter.js';

// The SCC finding (https://cloud.google.com/security-command-center/docs/reference/rest/v2/organizations.sources.locations.findings,
// the same fields in v1). Only what the mapping reads is declared; unknown fields are ignored.
const Access = z.object({
  principalEmail: z.string().optional(),
  serviceAccountKeyName: z.string().optional(),
});

const Finding = z.object({
  // organizations/O/sources/S/findings/F, with locations/L/ before findings/ in v2; also under folders/ or projects/.
  name: z
    .string()
    .max(256)
    .regex(
      /^(organizations|folders|projects)\/[^/]+\/sources\/[^/]+\/(locations\/[^/]+\/)?findings\/[^/]+$/,
      'a finding name, organizations/ORG/sources/SOURCE/findings/ID',
    ),
  resourceName: z.string().optional(),
  /** ACTIVE, INACTIVE or STATE_UNSPECIFIED. */
  state: z.string().optional(),
  // Display only (the title): a missing category never refuses the finding.
  category: displayText,
  eventTime: z.iso.datetime({ offset: true }),
  severity: z.enum(['SEVERITY_UNSPECIFIED', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW']).optional(),
  /** MUTED, UNMUTED, UNDEFINED or MUTE_UNSPECIFIED. */
  mute: z.string().optional(),
  access: Access.optional(),
  // The detector's own details: Event Threat Detection names the actor here too (see etdActor).
  sourceProperties: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

/** SCC's NotificationMessage: what a notification config publishes to its Pub/Sub topic. */
const SccNotification = z.object({
  finding: Finding,
});
type SccNotification = z.infer<typeof SccNotification>;

/** Both push formats (wrapped, and unwrapped with `--push-no-wrapper`); `at` is where the notification sits. */
const SccPush = pubSubPush(SccNotification, 'SCC notification');
type SccPush = z.infer<typeof SccPush>;

const SEVERITY: Record<string, Severity> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low' };
// User-managed service accounts: NAME@PROJECT.iam.gserviceaccount.com. Google-managed service agents
// (service-N@gcp-sa-*.iam.gserviceaccount.com, N-compute@developer.gserviceaccount.com) cannot be disabled.
const SERVICE_ACCOUNT = /^[a-z0-9-]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;
const KEY_NAME = /^(?:\/\/iam\.googleapis\.com\/)?projects\/[^/]+\/serviceAccounts\/([^/]+)\/keys\/([0-9a-f]{16,64})$/;
const SA_NAME = /^(?:\/\/iam\.googleapis\.com\/)?projects\/[^/]+\/serviceAccounts\/([^/]+)$/;

/**
 * Google Cloud Security Command Center findings, from a notification config's Pub/Sub topic through
 * a push subscription. A push subscription can send no header of its own, so it authenticates with
 * `?token=` in its endpoint URL (its optional OIDC token is not verified by Revoker).
 */
export const scc = defineSource({
  name: 'scc',
  label: 'Google Security Command Center',
  schema: SccPush,
  urlToken: true,
  toAlert: ({ notification, at }: SccPush): Alert => {
    const { finding } = notification;
    // An inactive finding was fixed or closed by hand; a muted one was judged noise. Notification
    // configs send both when their filter lets them (filter state="ACTIVE" AND NOT mute="MUTED").
    if (finding.state === 'INACTIVE' || finding.mute === 'MUTED') {
      const muted = finding.state !== 'INACTIVE';
      throw new IgnoredAlert({
        field: `${at}finding.${muted ? 'mute' : 'state'}`,
        reason: `SCC finding is ${muted ? 'MUTED' : 'INACTIVE'}`,
        alertId: finding.name,
      });
    }
    if (finding.state && finding.state !== 'ACTIVE') {
      throw new UnmappableAlert([
        {
          field: `${at}finding.state`,
          message: `the finding is ${finding.state}, neither ACTIVE nor INACTIVE: filter state="ACTIVE" in the notification config`,
        },
      ]);
    }
    const principal = principalOf(notification, at);
    const who = principal.type === 'gcp.serviceAccount' ? principal.email : serviceAccountOfKey(principal.keyName);
    return {
      source: 'scc',
      // The finding's resource name: SCC notifies every update of a finding under the same name.
      id: finding.name,
      title: `${finding.category ?? 'Security Command Center finding'} (${who})`.slice(0, 500),
      // Unspecified: the source did not rate it, so a responder decides (the default policy waits for approval).
      severity: SEVERITY[finding.severity ?? ''] ?? 'medium',
      observedAt: finding.eventTime,
      link: consoleLink(finding.name),
      principals: [principal],
    };
  },
});

/**
 * The key when the finding names one (containing it disables that key and its service account), else
 * the service account that acted, else the service account the finding is about. The actor is in
 * `access` (Finding.access), else where Event Threat Detection puts it, in `sourceProperties`.
 */
function principalOf({ finding }: SccNotification, at: string): GcpPrincipal {
  const etd = etdActor(finding.sourceProperties, `${at}finding.sourceProperties`);
  const emailFound =
    foundAt(finding.access?.principalEmail, `${at}finding.access.principalEmail`) ?? etd.principalEmail;
  const email = emailFound?.value;
  const keyName = (
    foundAt(finding.access?.serviceAccountKeyName, `${at}finding.access.serviceAccountKeyName`) ??
    etd.serviceAccountKeyName
  )?.value;
  const key = keyName ? KEY_NAME.exec(keyName) : null;
  if (key) {
    // The key's path may name its account by unique id; the acting account's email names it then.
    const owner = serviceAccount(decoded(key[1])) ?? serviceAccount(email);
    if (owner)
      return { type: 'gcp.key', keyName: `projects/${owner.projectId}/serviceAccounts/${owner.email}/keys/${key[2]}` };
  }
  const actor = serviceAccount(email);
  if (actor) return { type: 'gcp.serviceAccount', ...actor };

  const resource = finding.resourceName ?? '';
  const resourceKey = KEY_NAME.exec(resource);
  const resourceOwner = serviceAccount(decoded(resourceKey?.[1]));
  if (resourceKey && resourceOwner) {
    return {
      type: 'gcp.key',
      keyName: `projects/${resourceOwner.projectId}/serviceAccounts/${resourceOwner.email}/keys/${resourceKey[2]}`,
    };
  }
  const resourceAccount = serviceAccount(decoded(SA_NAME.exec(resource)?.[1]));
  if (resourceAccount) return { type: 'gcp.serviceAccount', ...resourceAccount };

  throw new UnmappableAlert([
    { field: emailFound?.field ?? `${at}finding.access.principalEmail`, message: whyNot(email) },
  ]);
}

function foundAt(value: string | undefined, field: string): Found | undefined {
  return value ? { field, value } : undefined;
}

const ACTOR_FIELDS = ['principalEmail', 'serviceAccountKeyName'] as const;
type ActorField = (typeof ACTOR_FIELDS)[number];

/**
 * Where Event Threat Detection names the actor in a finding's sourceProperties: in `properties`
 * (`properties.principalEmail`), or in the detector's own object there
 * (`properties.sensitiveRoleGrant.principalEmail` for an anomalous grant,
 * `properties.serviceAccountGetsOwnIamPolicy.principalEmail` for a self-investigation); findings of
 * older notification configs flatten the same paths with underscores (`properties_principalEmail`).
 * A grant's `members` are whom the role went to, not who acted, and are not read.
 */
function etdActor(
  sourceProperties: Record<string, unknown> | undefined,
  at: string,
): Partial<Record<ActorField, Found>> {
  const found: Partial<Record<ActorField, Found>> = {};
  if (!sourceProperties) return found;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
  const properties = isRecord(sourceProperties.properties) ? sourceProperties.properties : {};
  for (const name of ACTOR_FIELDS) {
    const direct = foundAt(text(properties[name]), `${at}.properties.${name}`);
    const nested = Object.entries(properties)
      .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
      .map(([detector, details]) => foundAt(text(details[name]), `${at}.properties.${detector}.${name}`))
      .find(Boolean);
    const flattened = Object.entries(sourceProperties)
      .filter(([flat]) => flat === `properties_${name}` || new RegExp(`^properties_[A-Za-z]+_${name}$`).test(flat))
      .map(([flat, value]) => foundAt(text(value), `${at}.${flat}`))
      .find(Boolean);
    const actor = direct ?? nested ?? flattened;
    if (actor) found[name] = actor;
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function serviceAccount(email: string | undefined): { projectId: string; email: string } | undefined {
  const match = email ? SERVICE_ACCOUNT.exec(email) : null;
  const projectId = match?.[1];
  if (!email || !projectId || projectId.startsWith('gcp-sa-')) return undefined;
  return { projectId, email };
}

/** A resource name segment, percent-decoded when it is (an email's @ may be %40). */
function decoded(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return segment ?? '';
  }
}

function serviceAccountOfKey(keyName: string): string {
  return keyName.split('/')[3] ?? keyName;
}

function whyNot(email: string | undefined): string {
  if (!email) {
    return 'the finding names no service account (access.principalEmail, access.serviceAccountKeyName, the actor in sourceProperties.properties or a service account resourceName)';
  }
  if (/gserviceaccount\.com$/.test(email)) {
    return `${email} is not a user-managed service account (NAME@PROJECT.iam.gserviceaccount.com): Google-managed service agents cannot be disabled, and Revoker does not contain default accounts; contain what holds its credentials by hand`;
  }
  return `${email} is not a service account: Revoker contains service accounts and their keys; suspend a user in Cloud Identity or Google Workspace`;
}

/**
 * The finding in the Security Command Center console, scoped to the organization or project it
 * belongs to. The finding's externalUri is not used: detectors set it to a page about the resource
 * (often the project's home), not the finding.
 */
function consoleLink(name: string): string {
  const [scope, id] = name.split('/');
  const query = scope === 'organizations' ? `?organizationId=${id}` : scope === 'projects' ? `?project=${id}` : '';
  return `https://console.cloud.google.com/security/command-center/findingsv2;name=${urlComponent(name)}${query}`;
}
