import type { Envelope } from '@cucumber/messages';

/** Where a scenario's evidence goes, said to EvidenceFiles before its attachments. */
export interface EvidenceFolder {
  evidence: { testCaseStartedId: string; folder: string };
}

/** A live run's evidence files, written from the scenarios' attachments (evidence-files.mjs). */
export declare class EvidenceFiles {
  constructor(dir: string, names: Readonly<Record<string, string>>);
  update(message: Envelope | EvidenceFolder): void;
  /** Resolves once every file asked for is written; rejects naming the first that could not be. */
  end(): Promise<void>;
}
