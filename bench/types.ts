/** What a benchmark case returns: figures, each optionally compared with a baseline and a target. */

export interface Target {
  /** `at-least`: the value must be >= `value`; `below`: < `value`. */
  compare: 'at-least' | 'below';
  value: number;
  /** What is compared: the figure (default), or its ratio to the baseline measured in the same run. */
  of?: 'value' | 'ratio';
}

export interface BenchRow {
  /** Stable key, e.g. `relay.pair`; baselines are named by it. */
  id: string;
  /** What was measured, for people. */
  label: string;
  value: number;
  unit: string;
  /** The row this figure is given as a ratio to (value / its value). */
  baseline?: string;
  target?: Target;
  /** Peak RSS of the server process (or the run) during the case, bytes. */
  peakRss?: number;
  /** CPU the server process used while measured, in cores (1: one core busy all the time). */
  serverCpu?: number;
  /** What a reader needs in order to trust the figure (e.g. events lost, exit status). */
  note?: string;
}

export interface BenchCase {
  id: string;
  title: string;
  run(): Promise<BenchRow[]>;
}
