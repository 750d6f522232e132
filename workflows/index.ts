export { playbook } from './playbook.js';
