export { doctor } from './doctor.js';
export { playbook } from './playbook.js';
export { principal } from './principal.js';
