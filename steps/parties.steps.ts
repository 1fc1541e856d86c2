/** Setting the stage: the T-Server, the parties, and calls. */
import { Given, When } from '@cucumber/cucumber';
import type { ConformanceWorld } from '../support/world.ts';

Given('an agent desktop on DN {dn}', async function (this: ConformanceWorld, dn: string) {
  await this.harness.addDesktop(dn);
});

Given(
  'an agent desktop on DN {dn} whose calls are also on DN {dn}',
  async function (this: ConformanceWorld, dn: string, voiceDn: string) {
    await this.harness.addDesktop(dn, [dn, voiceDn]);
  },
);

Given('a recorder monitoring DN {dn}', async function (this: ConformanceWorld, dn: string) {
  await this.harness.addRecorder([dn]);
});

Given(
  'a recorder monitoring DNs {dn} and {dn}',
  async function (this: ConformanceWorld, a: string, b: string) {
    await this.harness.addRecorder([a, b]);
  },
);

Given('a bystander client monitoring DN {dn}', async function (this: ConformanceWorld, dn: string) {
  await this.harness.addBystander('bystander', dn);
});

Given('a call is established on DN {dn}', async function (this: ConformanceWorld, dn: string) {
  await this.harness.establishCall(dn);
});

When('the call on DN {dn} is released', async function (this: ConformanceWorld, dn: string) {
  await this.harness.releaseCall(dn);
});

When(
  'the call on DN {dn} goes on under a new ConnID after a {word}',
  async function (this: ConformanceWorld, dn: string, change: string) {
    if (change !== 'transfer' && change !== 'conference')
      throw new Error(`expected transfer or conference, got ${change}`);
    await this.harness.changeParty(dn, change);
  },
);

When(
  'the agent on DN {dn} holds the call and consults on a second call',
  async function (this: ConformanceWorld, dn: string) {
    await this.harness.consult(dn);
  },
);

When(
  'the consultation on DN {dn} ends and the held call is retrieved',
  async function (this: ConformanceWorld, dn: string) {
    await this.harness.endConsultation(dn);
  },
);
