/** The `screencap-cert` command line: thin front ends over the library in src/. */
import { Command, CommanderError } from 'commander';
import { EXIT } from '../result/exit-codes.ts';
import { type CommandName, SUMMARIES } from './summaries.ts';
// Read the parent at start-up, before any command loads (see stopWhenOrphaned).
import './orphan.ts';

/**
 * Each command's module, loaded only when that command runs or shows its help: `verify-log` on a
 * large log should not carry Cucumber and Allure in memory, nor `sim` wait for them to load. The
 * overview (`--help`, no command, an unknown one) loads none: it prints the summaries.
 */
const COMMANDS: Record<CommandName, () => Promise<(program: Command) => void>> = {
  run: async () => (await import('./run.ts')).registerRunCommand,
  sim: async () => (await import('./sim.ts')).registerSimCommand,
  'verify-log': async () => (await import('./verify-log.ts')).registerVerifyLogCommand,
  mock: async () => (await import('./mock.ts')).registerMockCommands,
  config: async () => (await import('./config.ts')).registerConfigCommand,
  load: async () => (await import('./load.ts')).registerLoadCommand,
  report: async () => (await import('./report.ts')).registerReportCommand,
  publish: async () => (await import('./publish.ts')).registerPublishCommand,
};

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && name in COMMANDS;

// A reader that goes away early (`screencap-cert ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('screencap-cert')
  .description('Conformance harness for Genesys Control for Third Party Screen Recording')
  .showHelpAfterError()
  // Usage errors are thrown here, not exited on: they are "could not run" (exit 2), like a bad config.
  .exitOverride();

try {
  // `screencap-cert help <command>` is that command's --help.
  const [first, second] = process.argv.slice(2);
  const requested = first === 'help' ? second : first;
  if (isCommand(requested)) (await COMMANDS[requested]())(program);
  else
    for (const name of Object.keys(SUMMARIES) as CommandName[])
      program.command(name).description(SUMMARIES[name]);
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has printed its own message (or the help, exit 0).
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT.cannotRun);
  // Whatever stops a command before it judges (a T-Server that cannot be reached, a bad
  // configuration, a file that is not a log) gets its message, not a stack: it could not run.
  process.stderr.write(`screencap-cert: ${(e as Error).message}\n`);
  process.exit(EXIT.cannotRun);
}
