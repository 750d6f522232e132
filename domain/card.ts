import type {
  AwsPolicies,
  AwsRoleDiscovery,
  AwsUserDiscovery,
  Discovery,
  EntraServicePrincipalDiscovery,
  EntraUserDiscovery,
  GcpServiceAccountDiscovery,
  LastUse,
  Unread,
} from './discovery.js';

/**
 * The triage card: what a responder reads of a principal in ten seconds before deciding — who it is,
 * what it can reach, when its key was last used. Filled from discovery (domain/discovery.ts) and shown
 * in Current Details, `revoker status` and the link page; each step's reason is shown beside it.
 */
export interface TriageCard {
  /** The name people know it by: the app's display name, the user's UPN, the service account's email. */
  name: string;
  /** The canonical id, as the provider names it: an ARN, an object id, a key name. */
  id: string;
  /** What it is, in a few words: "IAM user", "Entra app (multi-tenant, home tenant …)". */
  kind: string;
  /** What it can reach, one short line each (policies, consented scopes and how many users granted them, roles). */
  reach: string[];
  /** Reach lines not shown, when there were more than the card keeps. */
  reachMore?: number;
  /** When its key (or credential) was last used, where and on what, if the provider says. */
  lastUsed?: { at: string; region?: string; service?: string; credential?: string };
  /** Other facts worth a glance: "enabled", "2 active keys", "admin". */
  facts: string[];
}

/** Reach lines a card keeps (the rest are counted in `reachMore`). */
export const CARD_REACH_KEPT = 8;

/** Items a reach line lists before it counts the rest ("Mail.Read, Files.Read.All +4 more"). */
const LINE_ITEMS = 6;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const listed = (items: readonly string[]) =>
  items.length > LINE_ITEMS
    ? `${items.slice(0, LINE_ITEMS).join(', ')} +${items.length - LINE_ITEMS} more`
    : items.join(', ');
const enabledWord = (disabled: boolean) => (disabled ? 'disabled' : 'enabled');

/** What discovery could not read for one part of the card, one line each. */
const unreadLines = (unread: readonly Unread[] | undefined, part: Unread['part']) =>
  (unread ?? []).filter((u) => u.part === part).map((u) => `${u.what}: not readable (${u.why})`);

/** The card's reach, what could not be read first (so the cap never hides it), then the rest, capped. */
function reachOf(
  unread: readonly Unread[] | undefined,
  lines: readonly string[],
): Pick<TriageCard, 'reach' | 'reachMore'> {
  const all = [...unreadLines(unread, 'reach'), ...lines];
  return all.length > CARD_REACH_KEPT
    ? { reach: all.slice(0, CARD_REACH_KEPT), reachMore: all.length - CARD_REACH_KEPT }
    : { reach: all };
}

/** A card without `undefined` values: it travels through Temporal payloads and JSON views. */
function card(fields: { [K in keyof TriageCard]: TriageCard[K] | undefined }): TriageCard {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as TriageCard;
}

function lastUseOf(use: LastUse | undefined, credential?: string): TriageCard['lastUsed'] {
  if (!use?.at) return undefined;
  return {
    at: use.at,
    ...(use.region ? { region: use.region } : {}),
    ...(use.service ? { service: use.service } : {}),
    ...(credential ? { credential } : {}),
  };
}

/** An IAM identity's policies as reach lines: managed by name, inline marked, a group's with the group named. */
function awsPolicyLines(
  policies: AwsPolicies | undefined,
  groups: readonly ({ groupName: string } & AwsPolicies)[] = [],
): string[] {
  const own = [...(policies?.attached ?? []), ...(policies?.inline ?? []).map((name) => `${name} (inline)`)];
  const viaGroups = groups.flatMap((g) => [
    ...g.attached.map((name) => `${name} (group ${g.groupName})`),
    ...g.inline.map((name) => `${name} (group ${g.groupName}, inline)`),
  ]);
  return [...own, ...viaGroups];
}

const isAdminPolicy = (line: string) => /^AdministratorAccess\b/.test(line);

function awsUserCard(d: AwsUserDiscovery): TriageCard {
  const reach = awsPolicyLines(d.policies, d.groups);
  const watched = d.focusAccessKeyId ? d.accessKeys.filter((k) => k.accessKeyId === d.focusAccessKeyId) : d.accessKeys;
  const latest = watched
    .filter((k) => k.lastUsed?.at)
    .sort((a, b) => Date.parse(b.lastUsed?.at ?? '') - Date.parse(a.lastUsed?.at ?? ''))[0];
  const active = d.accessKeys.filter((k) => k.status === 'Active').length;
  const facts = [
    `${active} active, ${d.accessKeys.length - active} inactive ${d.accessKeys.length === 1 ? 'key' : 'keys'}`,
    ...(d.focusAccessKeyId ? [`the alert names key ${d.focusAccessKeyId}`] : []),
    ...watched.filter((k) => k.lastUsed && !k.lastUsed.at).map((k) => `${k.accessKeyId} never used`),
    ...(reach.some(isAdminPolicy) ? ['administrator (AdministratorAccess)'] : []),
    ...unreadLines(d.unread, 'lastUsed'),
    ...unreadLines(d.unread, 'identity'),
  ];
  return card({
    name: d.userName,
    id: d.arn ?? `arn:aws:iam::${d.accountId}:user/${d.userName}`,
    kind: 'IAM user',
    ...reachOf(d.unread, reach),
    lastUsed: lastUseOf(latest?.lastUsed, latest?.accessKeyId),
    facts,
  });
}

function awsRoleCard(d: AwsRoleDiscovery): TriageCard {
  const reach = awsPolicyLines(d.policies);
  return card({
    name: d.roleName,
    id: d.arn ?? `arn:aws:iam::${d.accountId}:role/${d.roleName}`,
    kind: d.serviceLinked ? 'IAM service-linked role' : 'IAM role',
    ...reachOf(d.unread, reach),
    lastUsed: lastUseOf(d.lastUsed),
    facts: [
      ...(d.lastUsed && !d.lastUsed.at ? ['no session used it in the last 400 days'] : []),
      ...(d.serviceLinked ? ['service-linked: AWS refuses the session revocation policy'] : []),
      ...(reach.some(isAdminPolicy) ? ['administrator (AdministratorAccess)'] : []),
      ...unreadLines(d.unread, 'lastUsed'),
      ...unreadLines(d.unread, 'identity'),
    ],
  });
}

function entraUserCard(d: EntraUserDiscovery): TriageCard {
  return card({
    name: d.userPrincipalName,
    id: d.userId,
    kind: 'Entra user',
    ...reachOf(d.unread, []),
    lastUsed: lastUseOf(d.lastSignIn),
    facts: [
      ...(d.displayName ? [d.displayName] : []),
      d.accountEnabled ? 'enabled' : 'disabled',
      ...(d.lastSignIn && !d.lastSignIn.at ? ['never signed in'] : []),
      ...unreadLines(d.unread, 'lastUsed'),
      ...unreadLines(d.unread, 'identity'),
    ],
  });
}

function entraAppCard(d: EntraServicePrincipalDiscovery): TriageCard {
  const owner = d.appOwnerTenantId;
  const multiTenant = d.signInAudience
    ? /Multiple|Personal/.test(d.signInAudience)
    : owner !== undefined && owner.toLowerCase() !== d.tenantId.toLowerCase();
  const home =
    owner === undefined
      ? ''
      : owner.toLowerCase() === d.tenantId.toLowerCase()
        ? ', registered here'
        : `, home tenant ${owner}`;
  const application = (d.applicationPermissions ?? []).map((r) => `${r.resource} application: ${listed(r.roles)}`);
  const delegated = (d.delegated ?? []).map((r) => {
    const who = r.allUsers ? 'all users (admin consent)' : `${plural(r.users, 'user')} consented`;
    return `${r.resource} delegated: ${listed(r.scopes)} — ${who}`;
  });
  // Runs recorded before the scopes were read still say how much consent there is.
  const counted = [
    ...(d.applicationPermissions === undefined && d.appRoleAssignmentIds.length
      ? [`${plural(d.appRoleAssignmentIds.length, 'application permission')} (roles not read)`]
      : []),
    ...(d.delegated === undefined && d.grantIds.length
      ? [`${plural(d.grantIds.length, 'consent grant')} (scopes not read)`]
      : []),
  ];
  return card({
    name: d.displayName,
    id: d.servicePrincipalId,
    kind: `Entra app (${multiTenant ? 'multi-tenant' : 'single-tenant'}${home})`,
    ...reachOf(d.unread, [...application, ...delegated, ...counted]),
    facts: [
      d.accountEnabled ? 'enabled' : 'disabled',
      `appId ${d.appId}`,
      `${plural(d.passwordKeyIds.length, 'secret')}, ${plural(d.certificateKeyIds.length, 'certificate')}`,
      ...unreadLines(d.unread, 'lastUsed'),
      ...unreadLines(d.unread, 'identity'),
    ],
  });
}

function gcpCard(d: GcpServiceAccountDiscovery): TriageCard {
  const keyId = (name: string) => name.split('/').pop() ?? name;
  const focus = d.focusKeyName ? d.keys.find((k) => k.name === d.focusKeyName) : undefined;
  const enabledKeys = d.keys.filter((k) => !k.disabled).length;
  return card({
    name: d.email,
    id: `projects/${d.projectId}/serviceAccounts/${d.email}`,
    kind: 'Google Cloud service account',
    ...reachOf(
      d.unread,
      (d.roles ?? []).map((role) => `${role} on project ${d.projectId}`),
    ),
    facts: [
      ...(d.displayName ? [d.displayName] : []),
      enabledWord(d.disabled),
      `${plural(d.keys.length, 'user-managed key')}, ${enabledKeys} enabled`,
      ...(d.focusKeyName
        ? [
            `the alert names key ${keyId(d.focusKeyName)}${focus?.validAfterTime ? ` (made ${focus.validAfterTime})` : ''}`,
          ]
        : []),
      // Google keeps a key's last authentication in Policy Analyzer (serviceAccountKeyLastAuthentication), updated
      // daily, not in the IAM API discovery reads.
      ...(d.keys.length ? ['key last use not read (Policy Analyzer has it, a day or two late)'] : []),
      ...unreadLines(d.unread, 'lastUsed'),
      ...unreadLines(d.unread, 'identity'),
    ],
  });
}

/** Google's scope URLs, shortened to what follows `…/auth/`: `gmail.readonly`. */
const shortScope = (scope: string) => scope.replace(/^https:\/\/www\.googleapis\.com\/auth\//, '');

/**
 * The triage card of what discovery found: pure and deterministic (the playbook builds it in workflow code), and
 * total — a discovery recorded before the card's fields existed still gives a card, from what it has.
 */
export function triageCard(d: Discovery): TriageCard {
  switch (d.type) {
    case 'aws.user':
      return awsUserCard(d);
    case 'aws.role':
      return awsRoleCard(d);
    case 'entra.user':
      return entraUserCard(d);
    case 'entra.servicePrincipal':
      return entraAppCard(d);
    case 'gcp.serviceAccount':
      return gcpCard(d);
    case 'workspace.user':
      return card({
        name: d.primaryEmail,
        id: d.userId,
        kind: 'Google Workspace user',
        ...reachOf(
          undefined,
          d.apps.map((app) => `${app.displayText} (OAuth app it granted)`),
        ),
        facts: [d.suspended ? 'suspended' : 'active', ...(d.isAdmin ? ['super admin'] : [])],
      });
    case 'workspace.app':
      return card({
        name: d.displayText,
        id: d.clientId,
        kind: 'Google Workspace OAuth app',
        ...reachOf(undefined, (d.scopes ?? []).map(shortScope)),
        facts: [
          `granted by ${d.grantCount} of ${plural(d.usersScanned, 'user')}`,
          ...(d.focusUser ? [`the alert names ${d.focusUser}`] : []),
        ],
      });
    case 'kubernetes.serviceAccount':
      return card({
        name: `${d.namespace}/${d.name}`,
        id: `system:serviceaccount:${d.namespace}:${d.name}`,
        kind: `Kubernetes service account (cluster ${d.cluster})`,
        ...reachOf(undefined, d.roles ? d.roles.map((r) => `${r.role} (${r.binding})`) : (d.bindings ?? [])),
        facts: [
          `uid ${d.uid}`,
          plural(d.tokenSecrets.length, 'legacy token Secret'),
          `${plural(d.pods.length, 'Pod')} running as it`,
          ...(d.focus?.secret ? [`the alert names Secret ${d.focus.secret}`] : []),
          ...(d.focus?.pod ? [`the alert names Pod ${d.focus.pod}`] : []),
        ],
      });
  }
}
