// The run's report child, started with the run (report-process.ts), so that making reports takes
// the harness's other core rather than the scenarios' time. Its tasks, from argv:
//   --cucumber DIR, --allure-results DIR and --evidence DIR NAMES: from the run's messages, one
//     JSON line each on stdin, as they come, Cucumber's HTML and JUnit reports into DIR
//     (cucumber-reports.mjs), the Allure results into theirs (allure-results.mjs), and the
//     scenarios' evidence files into the bundle DIR (evidence-files.mjs: NAMES, JSON, says which
//     attachments, and where each scenario's go is said on stdin among the messages); once the
//     harness says the messages are complete ('end-messages'), these are closed and the child
//     answers { messageReports: null | why }.
//   --allure CONFIG RESULTS OUTPUT: the Allure report of RESULTS into OUTPUT, as `allure generate
//     RESULTS --output OUTPUT --config CONFIG` does. Loading Allure and preparing the report is most
//     of that time, so it is done while the scenarios run, and so is reading each result this child
//     writes (from memory). Once asked ('generate'), the child reads the files it did not write and
//     writes the report.
// It exits 0 once every task is done; 1, saying why, if the Allure report could not be written.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const argv = process.argv.slice(2);
const option = (name, count) => {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv.slice(at + 1, at + 1 + count);
};
const cucumberDir = option('--cucumber', 1)?.[0];
const resultsDir = option('--allure-results', 1)?.[0];
const evidenceArgs = option('--evidence', 2);
const allureArgs = option('--allure', 3);
const fromMessages = cucumberDir !== undefined || resultsDir !== undefined || evidenceArgs !== undefined;
const pending = new Set([...(fromMessages ? ['messages'] : []), ...(allureArgs ? ['allure'] : [])]);

/** A task failed: the child still finishes (and answers for) the others, then exits 1. */
let failed = false;

const done = (task) => {
  pending.delete(task);
  if (pending.size === 0) process.exit(failed ? 1 : 0);
};

const fail = (task, error) => {
  process.stderr.write(`${error?.message ?? error}\n`);
  failed = true;
  done(task);
};

function allureTask([config, results, output]) {
  let BufferResultFile;
  const prepared = (async () => {
    ({ BufferResultFile } = await import('@allurereport/reader-api'));
    const { AllureReport, readConfig } = await import('@allurereport/core');
    const report = new AllureReport(await readConfig(process.cwd(), config, { output }));
    await report.restoreState([]);
    await report.start();
    return report;
  })();
  // Reported once asked for (or never, when it is not).
  prepared.catch(() => {});

  /**
   * The files read so far (or being read), each once, one after the other: from `content` when
   * this child wrote it (read back from the disk, Allure would only have it again), else from the
   * folder.
   */
  const read = new Set();
  let reading = prepared;
  const readResult = (name, content) => {
    if (read.has(name)) return;
    read.add(name);
    reading = reading.then(async (report) => {
      if (content) await report.readResult(new BufferResultFile(content, name));
      else await report.readFile(join(results, name));
      return report;
    });
    // A failed read is reported once the report is asked for (`generate` awaits the chain), not as
    // an unhandled rejection that would end the child and the tasks it has besides.
    reading.catch(() => {});
  };
  /**
   * The results folder as `allure generate` reads it (which skips `.tmp` files): its files this
   * child did not write. Every one is written before the report is asked for.
   */
  const unread = async () =>
    (await readdir(results, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && !read.has(e.name))
      .map((e) => e.name)
      .sort();
  return {
    /** Whether it reads `dir`, the folder of the results it makes a report of. */
    reads: (dir) => resolve(dir) === resolve(results),
    readResult,
    generate: async () => {
      for (const name of await unread()) readResult(name);
      await (await reading).done();
    },
  };
}

/**
 * Each message is written into the reports as it comes; once stdin has ended, they are closed.
 * Loaded meanwhile: Cucumber's formatters and allure-cucumberjs's.
 */
function messagesTask(allure) {
  /** Where the evidence goes is said to it alone: the reports take only Cucumber's messages. */
  let evidence;
  const consumers = (async () => {
    const list = [];
    if (cucumberDir) {
      const { CucumberReports } = await import('./cucumber-reports.mjs');
      list.push(new CucumberReports(join(cucumberDir, 'cucumber.html'), join(cucumberDir, 'junit.xml')));
    }
    if (resultsDir) {
      const { AllureResults } = await import('./allure-results.mjs');
      const written = allure?.reads(resultsDir) ? allure.readResult : undefined;
      list.push(new AllureResults(resultsDir, written));
    }
    if (evidenceArgs) {
      const { EvidenceFiles } = await import('./evidence-files.mjs');
      evidence = new EvidenceFiles(evidenceArgs[0], JSON.parse(evidenceArgs[1]));
      list.push(evidence);
    }
    return list;
  })();
  let failure;
  let handled = consumers;
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    handled = handled.then((list) => {
      if (failure) return list;
      try {
        const message = JSON.parse(line);
        if (message.evidence) evidence?.update(message);
        else for (const c of list) c.update(message);
      } catch (error) {
        failure = error;
      }
      return list;
    });
  });
  const closed = new Promise((resolve) => lines.once('close', resolve));
  const ended = (async () => {
    await closed;
    const list = await handled;
    if (failure) throw failure;
    for (const c of list) await c.end();
  })();
  // Reported once asked for.
  ended.catch(() => {});
  return ended;
}

const allure = allureArgs ? allureTask(allureArgs) : undefined;
const messages = fromMessages ? messagesTask(allure) : undefined;
/** Tasks asked for: from then on the child is expected to finish them, parent or not. */
const asked = new Set();

process.on('message', async (message) => {
  if (message === 'end-messages' && messages && !asked.has('messages')) {
    asked.add('messages');
    let why = null;
    try {
      await messages;
    } catch (error) {
      why = error?.message ?? String(error);
    }
    process.send?.({ messageReports: why }, () => done('messages'));
  }
  if (message === 'generate' && allure && !asked.has('allure')) {
    asked.add('allure');
    // The channel no longer keeps it running for this task: it ends once every task is done.
    try {
      // The results this child writes are complete first; should they not be, it makes no report
      // (the harness rebuilds them and has another child make it).
      await messages;
      await allure.generate();
      done('allure');
    } catch (error) {
      fail('allure', error);
    }
  }
});
// The harness ended without asking for everything: nothing more is written into its folder.
process.once('disconnect', () => {
  if ([...pending].some((t) => !asked.has(t))) process.exit(0);
});
