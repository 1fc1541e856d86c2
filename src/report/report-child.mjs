// The run's report child, started with the run (report-process.ts), so that making reports takes
// the harness's other core rather than the scenarios' time. Its tasks, from argv:
//   --cucumber DIR: Cucumber's HTML and JUnit reports into DIR, from the run's messages, one JSON
//     line each on stdin, written as they come; once the harness says the messages are complete
//     ('end-messages'), they are closed and the child answers { cucumberReports: null | why }.
//   --allure CONFIG RESULTS OUTPUT: the Allure report of RESULTS into OUTPUT, as `allure generate
//     RESULTS --output OUTPUT --config CONFIG` does. Loading Allure and preparing the report is most
//     of that time, so it is done while the scenarios run, and so is reading each result: the
//     harness names the files once written whole ({ read: [NAME, ...] }). Once asked ('generate'), the
//     child reads the files it was not told of and writes the report.
// It exits 0 once every task is done; 1, saying why, if the Allure report could not be written.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CucumberReports } from './cucumber-reports.mjs';

const argv = process.argv.slice(2);
const option = (name, count) => {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv.slice(at + 1, at + 1 + count);
};
const cucumberDir = option('--cucumber', 1)?.[0];
const allureArgs = option('--allure', 3);
const pending = new Set([...(cucumberDir ? ['cucumber'] : []), ...(allureArgs ? ['allure'] : [])]);

const fail = (error) => {
  process.stderr.write(`${error?.message ?? error}\n`);
  process.exit(1);
};

const done = (task) => {
  pending.delete(task);
  if (pending.size === 0) process.exit(0);
};

/** Each message is written into the reports as it comes; `closed` once stdin has ended. */
function cucumberTask(dir) {
  const reports = new CucumberReports(join(dir, 'cucumber.html'), join(dir, 'junit.xml'));
  let failure;
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (failure) return;
    try {
      reports.update(JSON.parse(line));
    } catch (error) {
      failure = error;
    }
  });
  const closed = new Promise((resolve) => lines.once('close', resolve));
  return async () => {
    await closed;
    if (failure) throw failure;
    await reports.end();
  };
}

function allureTask([config, results, output]) {
  const prepared = (async () => {
    const { AllureReport, readConfig } = await import('@allurereport/core');
    const report = new AllureReport(await readConfig(process.cwd(), config, { output }));
    await report.restoreState([]);
    await report.start();
    return report;
  })();
  // Reported once asked for (or never, when it is not).
  prepared.catch(() => {});

  /** The files read so far (or being read), each once, one after the other. */
  const read = new Set();
  let reading = prepared;
  const readResult = (name) => {
    if (read.has(name)) return;
    read.add(name);
    reading = reading.then(async (report) => {
      await report.readFile(join(results, name));
      return report;
    });
  };
  /**
   * The results folder as `allure generate` reads it (which skips `.tmp` files). The harness writes
   * each result under its final name, and every one is written before the report is asked for.
   */
  const unread = async () =>
    (await readdir(results, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && !read.has(e.name))
      .map((e) => e.name)
      .sort();
  return {
    readResult,
    generate: async () => {
      for (const name of await unread()) readResult(name);
      await (await reading).done();
    },
  };
}

const cucumber = cucumberDir ? cucumberTask(cucumberDir) : undefined;
const allure = allureArgs ? allureTask(allureArgs) : undefined;
/** Tasks asked for: from then on the child is expected to finish them, parent or not. */
const asked = new Set();

process.on('message', async (message) => {
  if (typeof message === 'object' && Array.isArray(message?.read)) {
    for (const name of message.read) allure?.readResult(name);
    return;
  }
  if (message === 'end-messages' && cucumber && !asked.has('cucumber')) {
    asked.add('cucumber');
    let why = null;
    try {
      await cucumber();
    } catch (error) {
      why = error?.message ?? String(error);
    }
    process.send?.({ cucumberReports: why }, () => done('cucumber'));
  }
  if (message === 'generate' && allure && !asked.has('allure')) {
    asked.add('allure');
    // The channel no longer keeps it running for this task: it ends once every task is done.
    try {
      await allure.generate();
      done('allure');
    } catch (error) {
      fail(error);
    }
  }
});
// The harness ended without asking for everything: nothing more is written into its folder.
process.once('disconnect', () => {
  if ([...pending].some((t) => !asked.has(t))) process.exit(0);
});
