/** Wait `ms` milliseconds (retry backoff). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
