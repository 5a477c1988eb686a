/** Errors meant for the user, their exit codes, and the wrapper that applies them to a command. */
/** An error meant for the user: printed without a stack, with its exit code. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export const EXIT = { ok: 0, error: 1, usage: 2, noData: 3 } as const;

/** Wraps a command action: a UserError sets its exit code; the CLI prints the message without a stack. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.exitCode = err instanceof UserError ? err.exitCode : EXIT.error;
      throw err;
    }
  };
}
