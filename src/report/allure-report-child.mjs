// The run's Allure report, made by a child the harness starts with the run (allure.ts): loading
// Allure and preparing the report is most of `allure generate`'s time, so it is done while the
// scenarios run, and so is reading each result: the harness names each file once it is written
// whole ({ read: NAME }). Once the harness says the results are complete ('generate'), the child
// reads the files it was not told of and writes the report, as `allure generate RESULTS --output
// OUTPUT --config CONFIG` does. argv: CONFIG RESULTS OUTPUT. Exit 0 once written; 1, saying why,
// if it could not be.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AllureReport, readConfig } from '@allurereport/core';

const [config, results, output] = process.argv.slice(2);

const fail = (error) => {
  process.stderr.write(`${error?.message ?? error}\n`);
  process.exit(1);
};

const prepared = (async () => {
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

/** The results folder as `allure generate` reads it: its files, but for those being written. */
async function unread() {
  const entries = await readdir(results, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && !read.has(e.name))
    .map((e) => e.name)
    .sort();
}

let asked = false;
process.on('message', async (message) => {
  if (asked) return;
  if (typeof message === 'object' && typeof message?.read === 'string') return readResult(message.read);
  asked = true;
  // The channel no longer keeps it running: it ends when the report is written.
  process.channel?.unref();
  try {
    for (const name of await unread()) readResult(name);
    const report = await reading;
    await report.done();
  } catch (error) {
    fail(error);
  }
});
// The harness ended without asking for the report.
process.once('disconnect', () => {
  if (!asked) process.exit(0);
});
