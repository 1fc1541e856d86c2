/**
 * The Cucumber formatter that writes a run's allure-results: allure-cucumberjs's own, with a writer
 * that neither flushes each file to disk nor makes the scenarios wait for it. allure-js-commons'
 * writer calls fsync on every result and attachment, synchronously (some 600 a run: about a
 * second of a run here); these files are read back by the same run's Allure report and hashed into
 * its manifest moments later, from the page cache, so surviving a power cut mid-run buys nothing.
 * They are written in the background and all written before Cucumber's run ends.
 */
import { mkdirSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IFormatterOptions } from '@cucumber/cucumber';
import * as allureCucumber from 'allure-cucumberjs/reporter';
import { stringifyEnvInfo, type Writer } from 'allure-js-commons/sdk/reporter';
import { resultWritten } from './report-process.ts';

// Its types describe its CommonJS build (the class is `exports.default`); Node imports its ES module
// build, whose default export is the class.
const AllureCucumberReporter = allureCucumber.default as unknown as typeof allureCucumber.default.default;

/** The writers of this process's runs not finished yet: a run stopped midway awaits them (allResultsWritten). */
const unfinished = new Set<ResultsWriter>();

/**
 * Writes each file of the results folder as it comes (its content as it was then), under the name
 * Allure reads, in the background; `flushed()` resolves once every one is written. Each file is
 * written once: once written, the run's Allure report reads it (resultWritten).
 */
export class ResultsWriter implements Writer {
  private readonly pending = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(readonly resultsDir: string) {
    mkdirSync(resultsDir, { recursive: true });
    unfinished.add(this);
  }

  private track(name: string, write: Promise<void>): void {
    const done: Promise<void> = write
      .then(() => resultWritten(this.resultsDir, name))
      .catch((e: Error) => {
        this.failure ??= e;
      })
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  private write(name: string, data: string | Buffer): void {
    this.track(name, writeFile(join(this.resultsDir, name), data));
  }

  /** Resolves once every file asked for so far is written; rejects naming the first that could not be. */
  async flushed(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure) throw new Error(`could not write the Allure results: ${this.failure.message}`);
  }

  /** Nothing more will be written (the run ended); resolves as `flushed()`. */
  finish(): Promise<void> {
    unfinished.delete(this);
    return this.flushed();
  }

  writeResult(result: Parameters<Writer['writeResult']>[0]): void {
    this.write(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  writeGroup(group: Parameters<Writer['writeGroup']>[0]): void {
    this.write(`${group.uuid}-container.json`, JSON.stringify(group));
  }

  writeAttachment(name: string, content: Buffer): void {
    this.write(name, content);
  }

  writeAttachmentFromPath(name: string, from: string): void {
    this.track(name, copyFile(from, join(this.resultsDir, name)));
  }

  writeEnvironmentInfo(info: Parameters<Writer['writeEnvironmentInfo']>[0]): void {
    this.write('environment.properties', stringifyEnvInfo(info));
  }

  writeCategoriesDefinitions(categories: Parameters<Writer['writeCategoriesDefinitions']>[0]): void {
    this.write('categories.json', JSON.stringify(categories));
  }

  writeGlobals(name: string, globals: Parameters<Writer['writeGlobals']>[1]): void {
    this.write(name, JSON.stringify(globals));
  }
}

/**
 * Resolves once the Allure results asked for so far are written, those of a run Cucumber never
 * finished (it was stopped) included: Cucumber's own end awaits them otherwise.
 */
export async function allResultsWritten(): Promise<void> {
  await Promise.all([...unfinished].map((w) => w.flushed()));
}

/**
 * allure-cucumberjs's formatter, its results written by ResultsWriter: it hands the options it does
 * not read itself (here `writer`) to allure-js-commons' runtime, over its default writer.
 */
export default class AllureResultsFormatter extends AllureCucumberReporter {
  private readonly writer: ResultsWriter;

  constructor(options: IFormatterOptions) {
    const { resultsDir } = options.parsedArgvOptions as { resultsDir?: unknown };
    if (typeof resultsDir !== 'string')
      throw new Error('the Allure formatter needs formatOptions.resultsDir');
    const writer = new ResultsWriter(resultsDir);
    super({ ...options, parsedArgvOptions: { ...options.parsedArgvOptions, writer } });
    this.writer = writer;
  }

  /**
   * Cucumber's run ends once every result is on disk: the run's Allure report reads the folder and
   * its manifest hashes it next (the last files, environment.properties and categories.json, are
   * written as the run finishes).
   */
  override async finished(): Promise<void> {
    await super.finished();
    await this.writer.finish();
  }
}
