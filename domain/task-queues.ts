import type { Provider } from './principal.js';

/** Playbook workflows run here; they hold no cloud credentials. */
export const PLAYBOOK_TASK_QUEUE = 'revoker-playbooks';

/** One queue per provider, so a worker process holds only the credentials of the clouds it serves. */
export const PROVIDER_TASK_QUEUES: Record<Provider, string> = {
  aws: 'revoker-aws',
  entra: 'revoker-entra',
  gcp: 'revoker-gcp',
  workspace: 'revoker-workspace',
  kubernetes: 'revoker-kubernetes',
};

/** Chat notifications: a side effect like any other, kept off the provider queues and their credentials. */
export const NOTIFY_TASK_QUEUE = 'revoker-notify';
