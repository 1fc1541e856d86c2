/** The `screencap-cert` command line: thin front ends over the library in src/. */
import { Command } from 'commander';
import { registerConfigCommand } from './config.ts';
import { registerMockCommands } from './mock.ts';
import { registerRunCommand } from './run.ts';
import { registerSimCommand } from './sim.ts';

const program = new Command('screencap-cert')
  .description('Conformance harness for Genesys Control for Third Party Screen Recording')
  .showHelpAfterError();
registerRunCommand(program);
registerSimCommand(program);
registerMockCommands(program);
registerConfigCommand(program);

await program.parseAsync(process.argv);
