export { playbook } from './playbook.js';
export { principal } from './principal.js';
