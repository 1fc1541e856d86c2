// The Allure command line, started before the harness needs it (allure.ts): loading Allure's
// modules is most of `allure generate`'s time, so a run starts this child at its beginning, it
// loads them while the scenarios run, and it runs `allure <args>` once the harness sends the
// arguments (one message). argv[2]: the path of Allure's cli.js.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cli = process.argv[2];
// Allure's commands with every plugin they import. Should Allure's layout differ, the command
// loads them itself when it runs: only later.
const loaded = import(pathToFileURL(join(dirname(cli), 'dist', 'commands', 'index.js')).href).catch(
  () => undefined,
);

let asked = false;
process.once('message', async (args) => {
  asked = true;
  // The channel no longer keeps it running: it ends when Allure is done.
  process.channel?.unref();
  await loaded;
  // In place: Allure reads the array node:process exported when it was first loaded.
  process.argv.splice(1, process.argv.length, cli, ...args);
  await import(pathToFileURL(cli).href);
});
// The harness ended without asking for a report.
process.once('disconnect', () => {
  if (!asked) process.exit(0);
});
