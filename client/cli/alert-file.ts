import { readFileSync } from 'node:fs';
import type { Alert } from '../../domain/alert.js';
import { SOURCES } from '../sources/index.js';
import { mapPayload } from '../sources/map-payload.js';
import { CliError, EXIT } from './cli-error.js';

/** The payload format `revoker dry-run` assumes without --source: Revoker's own alert. */
export const GENERIC_SOURCE = 'generic';

/**
 * Reads an alert from a JSON file: Revoker's generic format, or a SIEM's native payload mapped
 * through the same adapter as its webhook route (`POST /alerts/<source>`), so a file the CLI
 * accepts is exactly what the webhook would. Every refusal names the wrong or missing fields.
 */
export function readAlertFile(path: string, sourceName: string = GENERIC_SOURCE): Alert {
  const source = SOURCES.get(sourceName);
  if (!source) {
    throw usage(`unknown source "${sourceName}": use one of ${[...SOURCES.keys()].join(', ')}`);
  }

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usage(`cannot read alert file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usage(`alert file ${path} is not JSON: ${(error as Error).message}`);
  }

  const mapping = mapPayload(source, json);
  if (mapping.ok) return mapping.alert;
  const issues = listIssues(mapping.issues);
  switch (mapping.stage) {
    case 'payload': {
      const hint = source.name === GENERIC_SOURCE ? `\n${sourceHint(json)}` : '';
      throw usage(
        `alert file ${path} is not a valid alert for source ${source.name} (${source.label}):\n${issues}${hint}`,
      );
    }
    case 'unmappable':
      throw usage(`alert file ${path}: nothing in this ${source.label} alert can be contained:\n${issues}`);
    case 'mapped':
      throw usage(`alert file ${path}: this ${source.label} alert maps to an invalid alert:\n${issues}`);
  }
}

/** Someone who passes a SIEM's own payload without --source most likely forgot it: say which one it is. */
function sourceHint(json: unknown): string {
  const native = [...SOURCES.values()].filter((s) => s.name !== GENERIC_SOURCE);
  const matches = native.filter((s) => s.schema.safeParse(json).success);
  if (matches.length === 1 && matches[0]) {
    return `It parses as a payload from ${matches[0].label}: pass --source ${matches[0].name}.`;
  }
  return `A SIEM's own payload? Pass --source <name>: ${native.map((s) => s.name).join(', ')}.`;
}

function listIssues(issues: { field: string; message: string }[]): string {
  return issues.map((issue) => `  - ${issue.field || '(top level)'}: ${issue.message}`).join('\n');
}

function usage(message: string): CliError {
  return new CliError(message, EXIT.usage, 'usage');
}
