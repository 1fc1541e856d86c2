// A live run's evidence files (exchanges/<feature>/<scenario>/, exchanges.ts), written by the run's
// report child from the scenarios' attachments in its messages (report-child.mjs), off the
// scenarios' thread. The harness decides where each scenario's evidence goes and says so before its
// attachments ({ evidence: { testCaseStartedId, folder } }); this writes each attachment named in
// `names` (its file name in the reports -> its name in the bundle) there, in the order attached,
// each folder made once, in the background. Plain JavaScript, as that child runs it as it is.
import { join } from 'node:path';
import { BackgroundWrites } from './background-writes.mjs';

export class EvidenceFiles {
  #dir;
  #names;
  /** Each scenario's folder (relative to the bundle), by the id of its start. */
  #folders = new Map();
  #writes = new BackgroundWrites();

  /** `dir`: the bundle; `names`: which attachments are evidence files, and their names in the bundle. */
  constructor(dir, names) {
    this.#dir = dir;
    this.#names = names;
  }

  /** A Cucumber message, or where a scenario's evidence goes. */
  update(message) {
    if (message.evidence) {
      this.#folders.set(message.evidence.testCaseStartedId, message.evidence.folder);
      return;
    }
    const a = message.attachment;
    const name = a?.fileName && Object.hasOwn(this.#names, a.fileName) ? this.#names[a.fileName] : undefined;
    const folder = name && this.#folders.get(a.testCaseStartedId);
    if (!folder) return;
    const body = a.contentEncoding === 'BASE64' ? Buffer.from(a.body, 'base64') : a.body;
    this.#writes.write(join(this.#dir, folder), name, body);
  }

  /** Resolves once every file asked for is written; rejects naming the first that could not be. */
  async end() {
    try {
      await this.#writes.settled();
    } catch (error) {
      throw new Error(`could not write the scenarios' evidence: ${error.message}`);
    }
  }
}
