// Cucumber configuration. TypeScript loads through tsx (NODE_OPTIONS='--import tsx', set by
// `screencap-cert run`); `loader: ['tsx']` does not work with this Cucumber.
export default {
  paths: ['features/**/*.feature'],
  import: ['support/**/*.ts', 'steps/**/*.ts'],
  format: ['progress'],
  // allure-cucumberjs (added per run by `screencap-cert run`, with its resultsDir): rule and seat
  // tags become Allure labels.
  formatOptions: {
    labels: [
      { pattern: [/@rule:(.*)/], name: 'rule' },
      { pattern: [/@seat:(.*)/], name: 'seat' },
    ],
  },
  strict: true,
};
