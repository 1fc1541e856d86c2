// Cucumber configuration. From a checkout, the TypeScript steps and support code load through tsx
// (registered by bin/screencap-cert.js); `loader: ['tsx']` does not work with this Cucumber. The
// compiled package (dist/, `npm run build`) runs the `compiled` profile: the same, in JavaScript.
const common = {
  paths: ['features/**/*.feature'],
  format: ['progress'],
  strict: true,
};

export default { ...common, import: ['support/**/*.ts', 'steps/**/*.ts'] };

export const compiled = { ...common, import: ['dist/support/**/*.js', 'dist/steps/**/*.js'] };
