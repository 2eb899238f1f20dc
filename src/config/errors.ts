/** A setting that cannot be used, and how the modules of src/config report one. */

/** A setting that cannot be used as given; the message names the variable and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `invalid settings:\n  ${problems.join('\n  ')}`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
