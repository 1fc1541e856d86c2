// Cucumber configuration. TypeScript loads through tsx (NODE_OPTIONS='--import tsx', set by
// `screencap-cert run`); `loader: ['tsx']` does not work with this Cucumber.
export default {
  paths: ['features/**/*.feature'],
  import: ['support/**/*.ts', 'steps/**/*.ts'],
  format: ['progress'],
  strict: true,
};
