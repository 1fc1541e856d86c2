/**
 * What each command does, in one line: its description, and the overview `screencap-cert --help`
 * prints without loading any command's module.
 */
export const SUMMARIES = {
  run: 'run the conformance suite against the embedded T-Server simulator; exit 0 only if every applicable rule passed',
  sim: 'run the tlib-json T-Server simulator (spec/tlib-json.md) until SIGINT or SIGTERM',
  'verify-log':
    'check every screen-capture exchange of a SIP Server log against the rules (with --run, together with a live run of the same period); exit 0 only if every applicable rule passed',
  mock: 'run a mock party as its own process',
  config: 'configuration files',
  load: "load test: mock desktops, one DN and one connection each, send screen-capture operations at a fixed total rate; every operation is judged by the suite's rules, and the bundle (certificate with the latency figures, manifest) is run's",
  report: "summarize a run's report (default: the latest)",
  publish:
    'verify every run and verify-log bundle under the folders and write a static site: latest verdicts, a compatibility matrix, histories, badges and index.json',
} as const;

export type CommandName = keyof typeof SUMMARIES;
