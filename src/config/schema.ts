/**
 * The harness's configuration: one file (JSON or YAML), every key overridable by an environment
 * variable (see env.ts), validated here. Secrets never live in it: templates reference them as
 * `{env:NAME}`, resolved only when used.
 */
import { z } from 'zod';
import { DEFAULT_MAPPING, INDICATIONS } from '../domain/screencap.ts';
import { PROFILES } from '../domain/seats.ts';
import { DEFAULT_JOURNAL_BYTES } from '../journal.ts';
import { VOICE_CALL_READINGS } from '../rules/voice-calls.ts';
import { dnProblem } from '../tlib/codec.ts';
import { agentsSchema } from './workspace-agents.ts';

const dn = z.string().refine((v) => dnProblem(v) === undefined, {
  message: 'expected a DN: a non-empty string of at most 64 characters',
});
const dnList = z.array(dn).min(1, { message: 'expected at least one DN' });
const port = z.number().int().min(0).max(65535);
const ms = z.number().int().positive();
const pattern = z.string().refine(
  (p) => {
    try {
      return new RegExp(p) !== undefined;
    } catch {
      return false;
    }
  },
  { message: 'expected a regular expression' },
);

const indicationOrCurrent = z.enum([...INDICATIONS, 'current']);

const tserver = z
  .object({
    /** embedded: the harness runs the simulator; tcp: an external tlib-json endpoint; container: the simulator image. */
    mode: z.enum(['embedded', 'tcp', 'container']).default('embedded'),
    /** embedded: the interface to bind (a SUT elsewhere needs 0.0.0.0); tcp: the T-Server's host. */
    host: z.string().min(1).default('127.0.0.1'),
    /** embedded: the port a SUT connects to (0: any, fine when the harness plays every party); tcp: the T-Server's port. */
    port: port.default(0),
    /** Admin API of an external screencap-cert simulator (tcp mode): lets scenarios create calls and inject faults. */
    adminUrl: z.url().optional(),
    /** container mode: the simulator image. */
    image: z.string().min(1).default('screencap-cert-sim:latest'),
    /** The simulator's configured DN list (embedded and container modes); others get EventError 59. */
    dns: dnList.optional(),
    /** embedded: also write every message to this file as a SIP Server log (spec/sipserver-log.md). */
    sipLog: z.string().min(1).optional(),
    /**
     * embedded: also refuse (53) a Tevent that is not an EventUserEvent on the request's ThisDN, which
     * a T-Server distributes as given (spec/tlib-json.md).
     */
    strict: z.boolean().default(false),
    /** embedded: also serve the Workspace API (GWS v3) on this port, for a desktop built on it (desktop profile). */
    workspacePort: port.optional(),
    /** The Workspace API's test agents (default: one per agent DN, user name and password `agent<DN>`). */
    workspaceAgents: agentsSchema.optional(),
    /** embedded: bytes of messages each journal keeps (beyond, chaff first, then the oldest; the report says what). */
    journalBytes: z.number().int().positive().default(DEFAULT_JOURNAL_BYTES),
  })
  .strict()
  .refine((t) => t.mode !== 'tcp' || t.port > 0, {
    message: 'a tcp T-Server needs its port',
    path: ['port'],
  });

const httpStimulus = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    /** Template: {op}, {dn}, {connId}, {env:NAME}. */
    url: z.string().min(1),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().optional(),
  })
  .strict();

/** How the harness's desktop reaches the T-Server: tlib-json (the T-Server's port), or the Genesys Workspace API. */
const desktopLink = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tlib-json') }).strict(),
  z
    .object({
      type: z.literal('workspace'),
      /** The GWS base URL (credentials: GWS_* environment variables); none: the simulator's Workspace API front. */
      url: z.url().optional(),
      /** The Authentication API's base URL, for the password grant (default: url). */
      authUrl: z.url().optional(),
      /** Who signs in for each agent DN, in the order of agents.dns; `place` instead of the DN when given. */
      agents: z
        .array(z.object({ agentId: z.string().min(1), place: z.string().min(1).optional() }).strict())
        .optional(),
    })
    .strict(),
]);

const stimulus = z
  .object({
    /** A shell command template run once per operation: {op}, {dn}, {connId}, {env:NAME}. Exit 0 = done. */
    command: z.string().min(1).optional(),
    http: httpStimulus.optional(),
    timeoutMs: ms.default(10_000),
  })
  .strict()
  .refine((s) => (s.command === undefined) !== (s.http === undefined), {
    message: 'give exactly one of command or http',
  });

export const configSchema = z
  .object({
    profile: z.enum(PROFILES).default('self'),
    tserver: tserver.default({
      mode: 'embedded',
      host: '127.0.0.1',
      port: 0,
      image: 'screencap-cert-sim:latest',
      journalBytes: DEFAULT_JOURNAL_BYTES,
      strict: false,
    }),
    /** The agents: the DNs their desktops send on, where their calls are, which call is the voice call. */
    agents: z
      .object({
        /** The DNs the agents' desktops send on. Features name them 7001 and 7002: the first and second of these. */
        dns: dnList.default(['7001', '7002']),
        /** Per DN a desktop sends on, the voice DNs its agent's calls are on (default: that DN itself). */
        voiceDns: z.record(dn, dnList).default({}),
        /** With a held call and an established one, which is the voice call whose ConnID operations carry. */
        voiceCall: z.enum(VOICE_CALL_READINGS).default('established'),
      })
      .strict()
      .default({ dns: ['7001', '7002'], voiceDns: {}, voiceCall: 'established' }),
    recorder: z
      .object({
        /** DNs the recorder monitors (default: the agent DNs). */
        dns: dnList.optional(),
        /** A recorder image to start, wired to the simulator (recorder profile, container runtime needed). */
        container: z.string().min(1).optional(),
        /**
         * A shell command that restarts the recorder under test (stops and starts its process), for
         * the scenario of a recorder restart; without it that scenario is not exercised. It comes
         * back in its initial state (initialState).
         */
        restartCommand: z.string().min(1).optional(),
        /** Time allowed for restartCommand to finish. */
        restartTimeoutMs: ms.default(30_000),
      })
      .strict()
      .default({ restartTimeoutMs: 30_000 }),
    desktop: z
      .object({
        stimulus: stimulus.optional(),
        link: desktopLink.default({ type: 'tlib-json' }),
        /** How many times an operation refused with EventError 54 (the link to the switch down) may
         *  be acknowledged once the link is back, before the desktop sends another (DESK-NO-RESEND). */
        sendsAfterLinkDown: z.number().int().positive().default(1),
      })
      .strict()
      .default({ link: { type: 'tlib-json' }, sendsAfterLinkDown: 1 }),
    timeouts: z
      .object({
        /** Time allowed for the indication after an operation (REC-ANSWER). */
        answerMs: ms.default(2000),
        /** Time allowed for each reply and each expected message. */
        requestMs: ms.default(2000),
        /** Time allowed for the system under test to become ready. */
        readyMs: ms.default(30_000),
        /** Time allowed for a party to reconnect and re-register after its connection dropped
         *  or the T-Server restarted (REC-RECOVERS, DESK-RECOVERS). */
        recoverMs: ms.default(10_000),
      })
      .strict()
      .default({ answerMs: 2000, requestMs: 2000, readyMs: 30_000, recoverMs: 10_000 }),
    /** Which indication answers each operation (DESIGN section 4); each key defaults on its own. */
    mapping: z
      .object({
        start: indicationOrCurrent.default(DEFAULT_MAPPING.start),
        stop: indicationOrCurrent.default(DEFAULT_MAPPING.stop),
        pause: indicationOrCurrent.default(DEFAULT_MAPPING.pause),
        resume: indicationOrCurrent.default(DEFAULT_MAPPING.resume),
        query: indicationOrCurrent.default(DEFAULT_MAPPING.query),
      })
      .strict()
      .default(DEFAULT_MAPPING),
    initialState: z.enum(INDICATIONS).default('disabled'),
    /** verify-log: which client of a SIP Server log plays a seat, by application name (regular expressions). */
    applications: z
      .object({ desktop: z.array(pattern).optional(), recorder: z.array(pattern).optional() })
      .strict()
      .default({}),
    sut: z
      .object({ vendor: z.string().min(1), product: z.string().min(1), version: z.string().min(1) })
      .strict()
      .optional(),
    reports: z
      .object({
        /** After each run, keep only this many run folders (`report prune --keep N`); never the latest. */
        keep: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.profile === 'desktop' && !c.desktop.stimulus) {
      ctx.addIssue({
        code: 'custom',
        path: ['desktop', 'stimulus'],
        message: 'the desktop profile needs a stimulus (command or http) that makes the desktop act',
      });
    }
    if (c.profile === 'desktop' && c.tserver.mode === 'tcp') {
      ctx.addIssue({
        code: 'custom',
        path: ['tserver', 'mode'],
        message: 'the desktop profile needs the embedded T-Server: only it shows what the desktop sent',
      });
    }
    if (c.profile === 'tserver' && c.tserver.mode === 'embedded') {
      ctx.addIssue({
        code: 'custom',
        path: ['tserver', 'mode'],
        message:
          'the tserver profile certifies an external T-Server: set mode tcp with its host and port, or container with its image',
      });
    }
    const link = c.desktop.link;
    if (link.type === 'workspace' && link.url && (link.agents?.length ?? 0) < c.agents.dns.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['desktop', 'link', 'agents'],
        message: `a Workspace API desktop needs an agent (agentId) for each agent DN (${c.agents.dns.join(', ')})`,
      });
    }
    if (link.type === 'workspace' && (c.profile === 'tserver' || (c.profile === 'recorder' && !link.url))) {
      ctx.addIssue({
        code: 'custom',
        path: ['desktop', 'link', 'url'],
        message:
          c.profile === 'tserver'
            ? 'the tserver profile needs the tlib-json desktop: the Workspace API does not show the T-Server its requests reach'
            : 'the recorder profile with a Workspace API desktop needs the GWS url (the staging environment your recorder is connected to)',
      });
    }
    if (c.agents.dns.length < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['agents', 'dns'],
        message: 'expected two agent DNs (features use two agents)',
      });
    }
  });

export type HarnessConfig = z.infer<typeof configSchema>;
export type Stimulus = NonNullable<HarnessConfig['desktop']['stimulus']>;
