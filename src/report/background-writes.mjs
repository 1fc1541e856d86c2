// Files written in the background, on libuv's threads: a run's report child and verify-log write
// hundreds of evidence files, and creating a file is kernel time their own thread need not spend.
// Each folder is made once, before its first file; the files of a folder are written in the order
// asked; the first failure is kept for `settled`. Plain JavaScript: the report child runs it as it is.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The bytes `body` is written as. */
export function byteLength(body) {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

export class BackgroundWrites {
  /** Per folder, its last write: the next one in that folder follows it. */
  #writes = new Map();
  #failure;
  #bytesInFlight = 0;
  /** Files asked for so far. */
  #asked = 0;

  /** The bytes of the files asked for and not yet written. */
  get bytesInFlight() {
    return this.#bytesInFlight;
  }

  /** Writes `body` as `name` in folder `dir` (made if need be); `bytes`: its size, if the caller has it. */
  write(dir, name, body, bytes = byteLength(body)) {
    this.#bytesInFlight += bytes;
    this.#asked++;
    const before = this.#writes.get(dir) ?? mkdir(dir, { recursive: true });
    this.#writes.set(
      dir,
      before
        .then(() => writeFile(join(dir, name), body))
        .catch((error) => {
          this.#failure ??= error;
        })
        .finally(() => {
          this.#bytesInFlight -= bytes;
        }),
    );
  }

  /** Resolves once every file asked for is written; rejects with the first that could not be. */
  async settled() {
    // A folder's last write follows its others: awaited, every file asked for by then is written.
    for (let awaited = -1; awaited !== this.#asked; ) {
      awaited = this.#asked;
      await Promise.all(this.#writes.values());
    }
    if (this.#failure) throw this.#failure;
  }
}
