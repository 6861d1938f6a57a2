/** A stage's time limit: the stage's promise, or `StageTimeout` after `ms`. */
export class StageTimeout extends Error {}

export async function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StageTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
