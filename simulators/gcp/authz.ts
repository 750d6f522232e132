import { conditionHolds } from './conditions.js';
import { PREDEFINED_ROLES } from './roles.js';
import type { Binding, GcpOrganisation, GcpState, PolicyNode, ServiceAccountRecord } from './state.js';

/**
 * The folders and the organization above a project, nearest first. A project without a `parent` sits directly
 * under the organization; without a hierarchy it has no ancestors.
 */
export function ancestorsOf(org: GcpOrganisation, project: GcpState): PolicyNode[] {
  const hierarchy = org.hierarchy;
  if (!hierarchy) return [];
  const chain: PolicyNode[] = [];
  let parent: string | undefined = project.parent ?? hierarchy.organization.name;
  while (parent !== undefined) {
    if (parent === hierarchy.organization.name) {
      chain.push(hierarchy.organization);
      break;
    }
    const folder = hierarchy.folders.get(parent);
    // organisationOf and the hierarchy schema guarantee every parent exists and the chain ends at the organization.
    if (!folder) throw new Error(`Google Cloud simulator: ${parent} is not in the hierarchy`);
    chain.push(folder);
    parent = folder.parent;
  }
  return chain;
}

function grant(
  granted: Set<string>,
  bindings: readonly Binding[],
  member: string,
  role: (name: string) => readonly string[] | undefined,
  now: Date,
) {
  for (const binding of bindings) {
    if (!binding.members.includes(member)) continue;
    // A conditional binding grants only while its condition holds (conditions.ts: request.time comparisons).
    if (binding.condition && !conditionHolds(binding.condition, now)) continue;
    for (const permission of role(binding.role) ?? []) granted.add(permission);
  }
}

/**
 * Permissions a service account holds on the resources of `project`: the union of the bindings in the project's
 * allow policy and in those of every folder above it and the organization (IAM policy inheritance: "the effective
 * allow policy for a resource is the union of the policy set at that resource and the policy inherited from its
 * parent"). Roles are predefined, the project's own custom roles, or the organization's. With `account`, the
 * account's own policy adds what it grants on that account (a service account is a resource too: a token creator
 * binding lives there). Deny policies are not modelled.
 */
export function permissionsOf(
  org: GcpOrganisation,
  project: GcpState,
  email: string,
  now: Date,
  account?: ServiceAccountRecord,
): Set<string> {
  const member = `serviceAccount:${email}`;
  const organizationRoles = org.hierarchy?.organization.customRoles;
  const granted = new Set<string>();
  const projectRole = (role: string) =>
    PREDEFINED_ROLES[role] ?? project.customRoles.get(role) ?? organizationRoles?.get(role);
  grant(granted, project.bindings, member, projectRole, now);
  for (const node of ancestorsOf(org, project)) {
    grant(granted, node.bindings, member, (role) => PREDEFINED_ROLES[role] ?? organizationRoles?.get(role), now);
  }
  if (account?.iamPolicy) grant(granted, account.iamPolicy.bindings, member, projectRole, now);
  return granted;
}
