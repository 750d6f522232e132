import { PREDEFINED_ROLES } from './roles.js';
import type { GcpState } from './state.js';

/** Permissions the project's IAM policy grants a service account (bindings on single accounts are not modelled). */
export function permissionsOf(state: GcpState, email: string): Set<string> {
  const member = `serviceAccount:${email}`;
  const granted = new Set<string>();
  for (const binding of state.bindings) {
    if (!binding.members.includes(member)) continue;
    for (const permission of PREDEFINED_ROLES[binding.role] ?? state.customRoles.get(binding.role) ?? []) {
      granted.add(permission);
    }
  }
  return granted;
}
