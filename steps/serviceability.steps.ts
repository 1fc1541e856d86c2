/** Serviceability: connections dropped and T-Server restarts, and the parties' recovery. */
import { Then, When } from '@cucumber/cucumber';
import type { ConformanceWorld } from '../support/world.ts';

When("the recorder's connection is dropped", async function (this: ConformanceWorld) {
  this.interrupted = await this.harness.dropConnection('recorder');
});

When("the desktop's connection is dropped", async function (this: ConformanceWorld) {
  this.interrupted = await this.harness.dropConnection('desktop');
});

When('the T-Server restarts', async function (this: ConformanceWorld) {
  this.interrupted = await this.harness.restartTServer();
});

async function registeredAgain(
  world: ConformanceWorld,
  receivers: ReturnType<ConformanceWorld['harness']['desktopOn']>[],
  dns: string[],
) {
  if (world.interrupted === undefined) throw new Error('no connection was dropped yet in this scenario');
  try {
    for (const receiver of receivers)
      for (const dn of dns) await world.harness.waitForRegistration(receiver, dn, world.interrupted);
  } finally {
    for (const line of world.harness.recoveryLog.splice(0)) world.log(line);
  }
}

Then(
  'the recorder monitors DNs {dn} and {dn} again',
  async function (this: ConformanceWorld, a: string, b: string) {
    await registeredAgain(this, this.harness.recorderReceivers(), [a, b]);
  },
);

Then('the desktop on DN {dn} registers it again', async function (this: ConformanceWorld, dn: string) {
  await registeredAgain(this, [this.harness.desktopOn(dn)], [dn]);
});
