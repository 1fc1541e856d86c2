// Cucumber's HTML and JUnit reports of a run, written from its messages as they come, through the
// formatters Cucumber's own `html` and `junit` formats run (with their default options): the run's
// report child writes them while the scenarios run (report-child.mjs), and the harness rebuilds
// them from the messages it kept when that child could not (reported-run.ts). Plain JavaScript, as
// that child runs it as it is.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { CucumberHtmlStream } from '@cucumber/html-formatter';
import { JUnitXmlPrinter } from '@cucumber/junit-xml-formatter';

export class CucumberReports {
  #htmlFile;
  #junitFile;
  #junit = '';
  #html = new CucumberHtmlStream();
  /** Opened with the first message: nothing is written for a run that never said anything. */
  #htmlOut;
  #printer = new JUnitXmlPrinter({}, (chunk) => {
    this.#junit += chunk;
  });
  #runFinished = false;

  constructor(htmlFile, junitFile) {
    this.#htmlFile = htmlFile;
    this.#junitFile = junitFile;
  }

  update(envelope) {
    if (!this.#htmlOut) {
      this.#htmlOut = createWriteStream(this.#htmlFile);
      this.#html.pipe(this.#htmlOut);
    }
    if (envelope.testRunFinished) this.#runFinished = true;
    this.#html.write(envelope);
    this.#printer.update(envelope);
  }

  /** Closes both reports; a run that never finished (it was stopped) ends as one that failed. */
  async end() {
    if (!this.#runFinished) {
      const ms = Date.now();
      const timestamp = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
      this.update({ testRunFinished: { success: false, timestamp } });
    }
    this.#html.end();
    await finished(this.#htmlOut);
    await writeFile(this.#junitFile, this.#junit);
  }
}
