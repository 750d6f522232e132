/** Exit codes: 0 done; 1 the decision was ignored or an action failed or did not finish in time; 2 could not ask. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/**
 * An expected failure: printed as its message alone (no stack) and turned into an exit code.
 * `reason` lets a caller tell cases apart without matching on message text.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    readonly reason: 'not-found' | 'unreachable' | 'usage' | 'refused' | 'other' = 'other',
  ) {
    super(message);
  }
}
