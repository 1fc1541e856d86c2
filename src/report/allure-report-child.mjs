// The run's Allure report, made by a child the harness starts with the run (allure.ts): loading
// Allure and preparing the report is most of `allure generate`'s time, so it is done while the
// scenarios run; once the harness says the results are complete (one message), the child reads
// them and writes the report, as `allure generate RESULTS --output OUTPUT --config CONFIG` does.
// argv: CONFIG RESULTS OUTPUT. Exit 0 once written; 1, saying why, if it could not be.
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

let asked = false;
process.once('message', async () => {
  asked = true;
  // The channel no longer keeps it running: it ends when the report is written.
  process.channel?.unref();
  try {
    const report = await prepared;
    await report.readDirectory(results);
    await report.done();
  } catch (error) {
    fail(error);
  }
});
// The harness ended without asking for the report.
process.once('disconnect', () => {
  if (!asked) process.exit(0);
});
