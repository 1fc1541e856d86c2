// A run's allure-results, written by allure-cucumberjs's own formatter from the run's Cucumber
// messages rather than inside Cucumber: the run's report child writes them as the messages come
// (report-child.mjs), off the scenarios' thread, and the harness rebuilds them from the messages it
// kept when that child could not (reported-run.ts). Plain JavaScript, as that child runs it as it is.
//
// What the formatter would have taken from Cucumber's support code library, the messages say: the
// hooks' names, and the run hooks (BeforeAll, AfterAll) that failed, which it reports as global
// errors. Each file is written whole under the name Allure reads, in the background (the child
// goes on reading messages meanwhile), and without the fsync allure-js-commons' own writer makes:
// these files are read by the same run's Allure report and hashed into its manifest moments
// later, from the page cache.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * allure-cucumberjs's formatter class (its CommonJS build), without loading Cucumber where it is
 * not loaded yet (the report child): of Cucumber it takes only the Formatter base class and World,
 * which a stand-in gives from Cucumber's own files while the formatter's module loads. The whole
 * of Cucumber cost the child some 0.3 s of CPU (0.6 s under load) before it could write a result.
 * Where Cucumber is loaded (the harness), the formatter takes it as it is.
 */
function allureCucumberReporter() {
  const reporter = require.resolve('allure-cucumberjs/reporter');
  const cucumber = createRequire(reporter).resolve('@cucumber/cucumber');
  const standIn = require.cache[cucumber] === undefined;
  if (standIn) {
    const own = createRequire(cucumber);
    const module = new Module(cucumber);
    module.filename = cucumber;
    module.loaded = true;
    module.exports = {
      Formatter: own('./formatter/index.js').default,
      World: own('./support_code_library_builder/world.js').default,
    };
    require.cache[cucumber] = module;
  }
  try {
    // (The CommonJS build's module.exports is the class itself.)
    return require(reporter);
  } finally {
    // Whoever loads Cucumber after this gets the whole of it.
    if (standIn) delete require.cache[cucumber];
  }
}

const AllureCucumberReporter = allureCucumberReporter();
const { stringifyEnvInfo } = require('allure-js-commons/sdk/reporter');

/** Rule and seat tags become Allure labels. */
export const LABELS = [
  { pattern: [/@rule:(.*)/], name: 'rule' },
  { pattern: [/@seat:(.*)/], name: 'seat' },
];

/**
 * allure-js-commons' Writer, writing into `dir` and telling `written(name, content)` of each file
 * once written whole; `flushed()` resolves once every one is, or rejects naming the first that
 * could not be.
 */
class ResultsWriter {
  #dir;
  #written;
  #pending = new Set();
  #failure;

  constructor(dir, written) {
    this.#dir = dir;
    this.#written = written;
    mkdirSync(dir, { recursive: true });
  }

  #track(name, write) {
    const done = write
      .then((content) => this.#written(name, content))
      .catch((error) => {
        this.#failure ??= error;
      })
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  #write(name, data) {
    const content = typeof data === 'string' ? Buffer.from(data) : data;
    this.#track(
      name,
      writeFile(join(this.#dir, name), content).then(() => content),
    );
  }

  async flushed() {
    await Promise.all(this.#pending);
    if (this.#failure) throw new Error(`could not write the Allure results: ${this.#failure.message}`);
  }

  writeResult(result) {
    this.#write(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  writeGroup(group) {
    this.#write(`${group.uuid}-container.json`, JSON.stringify(group));
  }

  writeAttachment(name, content) {
    this.#write(name, content);
  }

  writeAttachmentFromPath(name, from) {
    const to = join(this.#dir, name);
    this.#track(
      name,
      copyFile(from, to).then(() => readFile(to)),
    );
  }

  writeEnvironmentInfo(info) {
    this.#write('environment.properties', stringifyEnvInfo(info));
  }

  writeCategoriesDefinitions(categories) {
    this.#write('categories.json', JSON.stringify(categories));
  }

  writeGlobals(name, globals) {
    this.#write(name, JSON.stringify(globals));
  }
}

const RUN_HOOK_NAMES = { BEFORE_TEST_RUN: 'BeforeAll hook', AFTER_TEST_RUN: 'AfterAll hook' };

export class AllureResults {
  #dir;
  #written;
  #events = new EventEmitter();
  /** Made once the run starts: by then the messages have named every hook. */
  #formatter;
  #writer;
  /** The messages before then, handed to it once made. */
  #early = [];
  #hooks = new Map();
  /** Run hooks started, by the id of their start: the hook. */
  #runHooks = new Map();

  /** `written(name, content)`: told of each file of `dir` once it is written whole. */
  constructor(dir, written = () => {}) {
    this.#dir = dir;
    this.#written = written;
  }

  update(envelope) {
    if (envelope.hook) this.#hooks.set(envelope.hook.id, envelope.hook);
    if (envelope.testRunHookStarted) {
      const { id, hookId } = envelope.testRunHookStarted;
      this.#runHooks.set(id, this.#hooks.get(hookId));
    }
    if (envelope.testRunStarted) this.#start();
    if (!this.#formatter) {
      this.#early.push(envelope);
      return;
    }
    this.#events.emit('envelope', envelope);
    const finished = envelope.testRunHookFinished;
    if (finished && finished.result.status !== 'PASSED') this.#runHookFailed(finished);
  }

  #start() {
    this.#writer = new ResultsWriter(this.#dir, this.#written);
    const hooksOfType = (type) =>
      [...this.#hooks.values()].filter((h) => h.type === type).map((h) => ({ id: h.id, name: h.name }));
    this.#formatter = new AllureCucumberReporter({
      eventBroadcaster: this.#events,
      supportCodeLibrary: {
        beforeTestCaseHookDefinitions: hooksOfType('BEFORE_TEST_CASE'),
        afterTestCaseHookDefinitions: hooksOfType('AFTER_TEST_CASE'),
        // Reported from the messages instead (#runHookFailed): their code is not here to wrap.
        beforeTestRunHookDefinitions: [],
        afterTestRunHookDefinitions: [],
      },
      parsedArgvOptions: { labels: LABELS, writer: this.#writer },
      log: () => {},
      cleanup: async () => {},
    });
    for (const envelope of this.#early.splice(0)) this.#events.emit('envelope', envelope);
  }

  /** What allure-cucumberjs reports of a run hook that failed, when it wraps the hook itself. */
  #runHookFailed({ testRunHookStartedId, result }) {
    const hook = this.#runHooks.get(testRunHookStartedId);
    const name = RUN_HOOK_NAMES[hook?.type] ?? 'a run hook';
    const error = new Error(result.exception?.message ?? result.message ?? result.status);
    error.stack = result.exception?.stackTrace ?? result.message ?? error.message;
    this.#formatter.emitTestRunHookGlobalError(name, error);
  }

  /**
   * Every message has been handed over: resolves once what is left is written (a run that never
   * started writes nothing); rejects naming the first file that could not be.
   */
  async end() {
    await this.#formatter?.finished();
    await this.#writer?.flushed();
  }
}
