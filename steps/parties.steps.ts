/** Setting the stage: the T-Server, the parties, and calls. */
import { Given, When } from '@cucumber/cucumber';
import type { ConformanceWorld } from '../support/world.ts';

Given('an agent desktop on DN {dn}', async function (this: ConformanceWorld, dn: string) {
  await this.harness.addDesktop(dn);
});

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
