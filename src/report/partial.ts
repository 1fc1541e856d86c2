/**
 * Cucumber's HTML and JUnit reports of a run that stopped before Cucumber closed them (SIGINT, a
 * crash): rebuilt from the messages seen so far through Cucumber's own formatters, as a run that
 * finished unsuccessfully, so they still open and show what ran.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CucumberHtmlStream } from '@cucumber/html-formatter';
import { JUnitXmlPrinter } from '@cucumber/junit-xml-formatter';
import type { Envelope } from '@cucumber/messages';

function closed(envelopes: readonly Envelope[]): Envelope[] {
  if (envelopes.some((e) => e.testRunFinished)) return [...envelopes];
  const ms = Date.now();
  const timestamp = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
  return [...envelopes, { testRunFinished: { success: false, timestamp } }];
}

/** Writes `file` whole or not at all: the interrupted Cucumber may still hold the old one open. */
async function replace(file: string, write: (path: string) => Promise<void>): Promise<void> {
  const temporary = `${file}.partial`;
  await write(temporary);
  await rename(temporary, file);
}

export async function rebuildCucumberReports(dir: string, envelopes: readonly Envelope[]): Promise<void> {
  const messages = closed(envelopes);
  await replace(join(dir, 'cucumber.html'), async (path) => {
    const html = new CucumberHtmlStream();
    const out = createWriteStream(path);
    html.pipe(out);
    for (const m of messages) html.write(m);
    html.end();
    await once(out, 'close');
  });
  await replace(join(dir, 'junit.xml'), async (path) => {
    let xml = '';
    const printer = new JUnitXmlPrinter({}, (chunk) => {
      xml += chunk;
    });
    for (const m of messages) printer.update(m);
    await writeFile(path, xml);
  });
}
