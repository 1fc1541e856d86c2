/** The bytes `body` is written as. */
export declare function byteLength(body: string | Uint8Array): number;

/** Files written in the background, each folder made once (background-writes.mjs). */
export declare class BackgroundWrites {
  /** The bytes of the files asked for and not yet written. */
  get bytesInFlight(): number;
  /** Writes `body` as `name` in folder `dir` (made if need be); `bytes`: its size, if the caller has it. */
  write(dir: string, name: string, body: string | Uint8Array, bytes?: number): void;
  /** Resolves once every file asked for is written; rejects with the first that could not be. */
  settled(): Promise<void>;
}
