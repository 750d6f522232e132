import { loadYamlFile } from '../connect/yaml-file.js';
import { Policy } from '../domain/policy.js';

/**
 * Reads a policy from a YAML or JSON file (JSON is YAML, so one parser serves both) and validates
 * it. A bad file stops the process that loads it with every problem listed by field and line:
 * the policy decides what runs without a human, so it is never half-applied or guessed at.
 */
export function loadPolicyFile(path: string): Policy {
  return loadYamlFile(path, Policy, 'policy file', 'a policy needs at least "version: 1"').data;
}
