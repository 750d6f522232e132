import { z } from 'zod';
import { Alert } from '../../domain/alert.js';
import { defineSource, IgnoredAlert } from './source-adapter.js';

/**
 * Revoker's own format (README, "Alerts: the generic webhook format"): anything that can POST JSON.
 * A forwarder that also sends updates may say an alert is `closed` (its SIEM resolved or dismissed
 * it): that starts nothing. Without `status`, an alert is open.
 */
const GenericAlert = Alert.extend({ status: z.enum(['open', 'closed']).optional() });

export const generic = defineSource({
  name: 'generic',
  label: 'Revoker generic JSON',
  schema: GenericAlert,
  toAlert: ({ status, ...alert }) => {
    if (status === 'closed') {
      throw new IgnoredAlert({ field: 'status', reason: 'the alert is closed at its source', alertId: alert.id });
    }
    return alert;
  },
});
