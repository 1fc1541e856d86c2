/** A limit on how long some work may take, for what has no configured wait of its own to end it. */

/** `work()`'s result, or a rejection with `message` once `ms` have passed. */
export async function withinMs<T>(ms: number, message: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}
