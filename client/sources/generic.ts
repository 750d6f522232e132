import { Alert } from '../../domain/alert.js';
import { defineSource } from './source-adapter.js';

/** Revoker's own format (README, "Alerts: the generic webhook format"): anything that can POST JSON. */
export const generic = defineSource({
  name: 'generic',
  label: 'Revoker generic JSON',
  schema: Alert,
  toAlert: (alert) => alert,
});
