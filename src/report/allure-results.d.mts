import type { Envelope } from '@cucumber/messages';

/** Rule and seat tags become Allure labels. */
export declare const LABELS: ReadonlyArray<{ pattern: RegExp[]; name: string }>;

/** A run's allure-results, written by allure-cucumberjs's formatter from the run's messages. */
export declare class AllureResults {
  /** `written(name, content)`: told of each file of `dir` once it is written whole. */
  constructor(dir: string, written?: (name: string, content: Buffer) => void);
  update(envelope: Envelope): void;
  /** Every message has been handed over: resolves once what is left is written. */
  end(): Promise<void>;
}
