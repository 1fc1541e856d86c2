/** A limit on how long some work may take, for what has no configured wait of its own to end it. */

/** `work()`'s result, or a rejection once `ms` have passed, naming `what` was exceeded. */
export async function withinMs<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${what}`)), ms);
  });
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}
