/** Requests the T-Server must refuse with EventError. */
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { refusalByName } from '../src/conformance/refusals.ts';
import type { JournalEntry } from '../src/journal.ts';
import type { ConformanceWorld } from '../support/world.ts';

interface RefusalWorld extends ConformanceWorld {
  refused?: { entry: JournalEntry; closes: boolean };
}

When('a client sends {string} on DN {dn}', async function (this: RefusalWorld, name: string, dn: string) {
  const refusal = refusalByName(name);
  if (refusal.knowsOnlyAgentDns) await this.harness.configureDns(this.harness.settings.config.agents.dns);
  const entry = await this.harness.provoke(refusal, dn);
  this.refused = { entry, closes: refusal.closes ?? false };
});

Then('the T-Server answers EventError {int}', function (this: RefusalWorld, code: number) {
  const message = this.refused?.entry.message;
  expect(message?.ErrorCode, `EventError for the refused request: ${JSON.stringify(message)}`).to.equal(code);
  expect(message?.ErrorMessage, 'ErrorMessage says what was wrong').to.be.a('string').and.not.equal('');
});

Then("the T-Server closes that client's connection", async function (this: RefusalWorld) {
  const link = this.harness.clients.get('client');
  const closed = await new Promise<boolean>((resolve) => {
    if (!link?.isOpen) return resolve(true);
    const timer = setTimeout(() => resolve(false), this.harness.settings.requestTimeoutMs);
    link.onClose(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  expect(closed, 'connection closed after a framing error').to.equal(true);
});
