import type { Envelope } from '@cucumber/messages';

/** Cucumber's HTML and JUnit reports of a run, written from its messages as they come (cucumber-reports.mjs). */
export declare class CucumberReports {
  constructor(htmlFile: string, junitFile: string);
  update(envelope: Envelope): void;
  /** Closes both reports; a run that never finished (it was stopped) ends as one that failed. */
  end(): Promise<void>;
}
