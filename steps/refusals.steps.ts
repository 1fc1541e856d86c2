/**
 * Requests the T-Server must refuse with EventError, or accepts. Steps provoke, wait and record; the
 * codes, messages and deliveries are the tagged rules' to judge.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { refusalByName } from '../src/conformance/refusals.ts';
import { type JournalEntry, summarize } from '../src/journal.ts';
import type { ConformanceWorld } from '../support/world.ts';

interface RefusalWorld extends ConformanceWorld {
  refused?: { entry: JournalEntry; closes: boolean };
}

interface AcceptedWorld extends ConformanceWorld {
  accepted?: { mark: number; event: Record<string, unknown> };
}

Given('the T-Server is the simulator in strict mode', async function (this: ConformanceWorld) {
  await this.harness.strictTServer();
});

When('a client sends {string} on DN {dn}', async function (this: RefusalWorld, name: string, dn: string) {
  const refusal = refusalByName(name);
  if (refusal.knowsOnlyAgentDns) await this.harness.configureDns(this.harness.settings.config.agents.dns);
  const entry = await this.harness.provoke(refusal, dn);
  this.refused = { entry, closes: refusal.closes ?? false };
});

When(
  'a client sends {string} on DN {dn}, which the T-Server accepts',
  async function (this: AcceptedWorld, name: string, dn: string) {
    const refusal = refusalByName(name);
    const mark = this.harness.journal.mark;
    await this.harness.provoke(refusal, dn, 'client', 'EventACK');
    const request = refusal.build(dn);
    if (typeof request === 'string') throw new Error(`"${name}" is not a request`);
    this.accepted = { mark, event: request.Event as Record<string, unknown> };
  },
);

Then(
  'the recorder monitoring DN {dn} receives that Tevent as it was sent',
  async function (this: AcceptedWorld, dn: string) {
    const accepted = this.accepted;
    if (!accepted) throw new Error('no request was accepted in this scenario');
    const { message, ThisDN } = accepted.event as { message: string; ThisDN: string };
    for (const recorder of this.harness.recorderReceivers()) {
      const received = await this.harness.waitForEvent(
        recorder,
        message,
        ThisDN,
        accepted.mark,
        () => true,
        `the Tevent routed by DN ${dn}`,
      );
      this.log(
        received
          ? `the Tevent reaching the recorder: ${summarize(received)}`
          : 'not observable in this profile: the Tevent reaching the recorder',
      );
    }
  },
);

Then('the T-Server refuses it', function (this: RefusalWorld) {
  const refused = this.refused;
  if (!refused) throw new Error('no request was refused in this scenario');
  this.log(`the refusal: ${summarize(refused.entry)}`);
});

Then("the T-Server closes that client's connection", async function (this: RefusalWorld) {
  const link = this.harness.clients.get('client');
  const waitMs = this.harness.settings.requestTimeoutMs;
  const closed = await new Promise<boolean>((resolve) => {
    if (!link?.isOpen) return resolve(true);
    const timer = setTimeout(() => resolve(false), waitMs);
    link.onClose(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!closed)
    throw new Error(`waited ${waitMs} ms (timeouts.requestMs) for the T-Server to close the connection`);
});
