/**
 * The layers of screencap-cert, lowest first (docs/architecture.md says what each is for). A module
 * may import its own layer and the layers below it, never one above; no import cycle anywhere.
 * `npm run lint` enforces both.
 */
const LAYERS = [
  ['foundation', ['src/tlib/', 'src/markup\\.ts', 'src/secrets\\.ts', 'src/harness-root\\.ts']],
  ['vocabulary', ['src/domain/', 'src/journal\\.ts', 'src/workspace/', 'src/sipserver-log/']],
  ['transport and results', ['src/link/', 'src/result/']],
  ['rules', ['src/rules/', 'src/harness-clients\\.ts']],
  ['configuration', ['src/config/']],
  ['simulator and reports', ['src/sim/', 'src/report/', 'src/container\\.ts']],
  ['parties', ['src/parties/']],
  ['settings', ['src/settings\\.ts']],
  ['certification', ['src/conformance/', 'src/verify-log/']],
  ['drivers', ['src/load/', 'support/', 'steps/']],
  ['publishing', ['src/publish/']],
  ['entry points', ['src/cli/', 'src/index\\.ts', 'bin/']],
];

const paths = (layers) => `^(${layers.flatMap(([, p]) => p).join('|')})`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other, directly or around a loop.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map(([name, own], i) => ({
      name: `no-upward-from-${name.replace(/\W+/g, '-')}`,
      comment: `The ${name} layer imports only itself and the layers below it (docs/architecture.md).`,
      severity: 'error',
      from: { path: paths([[name, own]]) },
      to: { path: paths(LAYERS.slice(i + 1)) },
    })),
    {
      name: 'every-module-has-a-layer',
      comment:
        'A new folder or top-level module of src/ gets its place in LAYERS (and in docs/architecture.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: paths(LAYERS) },
      to: {},
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for dependency-cruiser to parse with: swc parses instead.
    parser: 'swc',
    // Type-only imports are arrows too: a type that points up ties the layers as much as a value.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
  },
};
