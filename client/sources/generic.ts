import { z } from 'zod';
import { Alert } from '../../domain/alert.js';
import { Principal } from '../../domain/principal.js';
import { auditUserPrincipal, KubernetesAuditUser } from './kubernetes-users.js';
import { defineSource, IgnoredAlert, UnmappableAlert, type MissingField } from './source-adapter.js';

/**
 * A Kubernetes audit event's `user`, pasted as is, with the cluster it came from: a SIEM rule on the audit log sends
 * it without working out which principal it is. Input only: it becomes a kubernetes.token or
 * kubernetes.serviceAccount before the alert is validated, so no workflow ever sees it.
 */
const KubernetesAuditUserEntry = z.object({
  type: z.literal('kubernetes.auditUser'),
  cluster: z.string().max(253),
  user: KubernetesAuditUser,
});

const GenericPrincipal = z.discriminatedUnion('type', [Principal, KubernetesAuditUserEntry]);

/**
 * Revoker's own format (docs/siem/generic.md): anything that can POST JSON.
 * A forwarder that also sends updates may say an alert is `closed` (its SIEM resolved or dismissed
 * it): that starts nothing. Without `status`, an alert is open.
 */
const GenericAlert = Alert.extend({
  status: z.enum(['open', 'closed']).optional(),
  principals: z.array(GenericPrincipal).min(1).max(20),
});

export const generic = defineSource({
  name: 'generic',
  label: 'Revoker generic JSON',
  schema: GenericAlert,
  toAlert: ({ status, principals, ...alert }) => {
    if (status === 'closed') {
      throw new IgnoredAlert({ field: 'status', reason: 'the alert is closed at its source', alertId: alert.id });
    }
    const issues: MissingField[] = [];
    const mapped = principals.flatMap((entry, index): Principal[] => {
      if (entry.type !== 'kubernetes.auditUser') return [entry];
      const at = `principals.${index}`;
      try {
        return [auditUserPrincipal({ field: `${at}.cluster`, value: entry.cluster }, entry.user, `${at}.user`)];
      } catch (error) {
        if (!(error instanceof UnmappableAlert)) throw error;
        issues.push(...error.issues);
        return [];
      }
    });
    if (issues.length) throw new UnmappableAlert(issues);
    return { ...alert, principals: mapped };
  },
});
