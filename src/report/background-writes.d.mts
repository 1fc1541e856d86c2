/** Files written in the background, each folder made once (background-writes.mjs). */
export declare class BackgroundWrites {
  /** The bytes of the files asked for and not yet written. */
  get bytesInFlight(): number;
  /** Writes `body` as `name` in folder `dir` (made if need be). */
  write(dir: string, name: string, body: string | Uint8Array): void;
  /** Resolves once every file asked for is written; rejects with the first that could not be. */
  settled(): Promise<void>;
}
