/** Defaults a user sees in more than one command's options and help. */

/** `threadline local` listens here unless told otherwise (and `send`'s help example points here). */
export const DEFAULT_LOCAL_PORT = 8787;
