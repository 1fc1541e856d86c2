/**
 * What each scenario attaches to the reports (Cucumber HTML and Allure alike): its message trace,
 * its sequence diagram, what the rules found when one did not pass, and the T-Server it ran against.
 */
import type { JournalEntry } from '../journal.ts';
import type { ServerIdentity } from '../link/link.ts';
import type { Interruption, RuleOutcome } from '../result/outcomes.ts';
import type { WireRecord } from '../rules/observations.ts';
import { redact } from '../secrets.ts';
import { describeNonPassing, offendingMessages } from './findings.ts';
import { MessageJson } from './message-json.ts';
import { type ObservationLimits, scenarioObservations } from './observations.ts';
import { MAX_DRAWN, sequenceDiagram } from './sequence.ts';
import { TRACE_MEDIA_TYPE, traceNdjson } from './trace.ts';

export const TRACE_FILE = 'message-trace.ndjson';
/** How scenarios report to the run: Cucumber attachments of these media types. */
export const RULE_OUTCOMES_MEDIA_TYPE = 'application/vnd.screencap-cert.rule-outcomes+json';
/** The T-Server a scenario ran against, as EventClientRegistered named it. */
export const TSERVER_IDENTITY_MEDIA_TYPE = 'application/vnd.screencap-cert.tserver+json';
/** What the harness saw that no rule judges (observations.ts), as a JSON array of sentences. */
export const OBSERVATIONS_MEDIA_TYPE = 'application/vnd.screencap-cert.observations+json';
export const OBSERVATIONS_FILE = 'observations.json';
/** What was interrupted and how each party recovered (rules/recovery.ts), as a JSON array. */
export const INTERRUPTIONS_MEDIA_TYPE = 'application/vnd.screencap-cert.interruptions+json';

export interface EvidenceAttachment {
  fileName: string;
  mediaType: string;
  /** A Buffer is attached base64-encoded, as reports need images to be. */
  body: string | Buffer;
}

export interface ScenarioObservations {
  /** The scenario's whole journal. */
  entries: readonly JournalEntry[];
  /** Its client–T-Server messages, each from one observer (what the rules judged). */
  records: readonly WireRecord[];
  outcomes: readonly RuleOutcome[];
  tserver: ServerIdentity | undefined;
  limits?: ObservationLimits;
  /** The interruptions the party recovered from, or did not (serviceability). */
  interruptions?: readonly Interruption[];
}

export function scenarioEvidence(o: ScenarioObservations): EvidenceAttachment[] {
  const marks = offendingMessages(o.outcomes);
  const tserver = o.tserver ? `${o.tserver.name} ${o.tserver.version}` : undefined;
  const attachments: EvidenceAttachment[] = [];
  const findings = describeNonPassing(o.outcomes);
  if (findings)
    attachments.push({ fileName: 'rule-findings.txt', mediaType: 'text/plain', body: redact(findings) });
  // The diagram draws at most MAX_DRAWN messages: their JSON is made once, for the trace too.
  const json = new MessageJson(MAX_DRAWN);
  attachments.push(
    {
      fileName: 'sequence-diagram.svg',
      mediaType: 'image/svg+xml',
      body: Buffer.from(
        redact(sequenceDiagram(o.records, { marks, messageJson: json.of, ...(tserver ? { tserver } : {}) })),
      ),
    },
    {
      fileName: TRACE_FILE,
      mediaType: TRACE_MEDIA_TYPE,
      body: redact(traceNdjson(o.entries, marks, json.of)),
    },
  );
  const observed = scenarioObservations(o.records, o.limits);
  if (observed.length)
    attachments.push({
      fileName: OBSERVATIONS_FILE,
      mediaType: OBSERVATIONS_MEDIA_TYPE,
      body: redact(JSON.stringify(observed)),
    });
  if (o.interruptions?.length)
    attachments.push({
      fileName: 'interruptions.json',
      mediaType: INTERRUPTIONS_MEDIA_TYPE,
      body: redact(JSON.stringify(o.interruptions)),
    });
  if (o.tserver)
    attachments.push({
      fileName: 'tserver.json',
      mediaType: TSERVER_IDENTITY_MEDIA_TYPE,
      body: JSON.stringify(o.tserver),
    });
  return attachments;
}
