/** Serviceability: connections dropped and T-Server restarts, and the parties' recovery. */
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { Operation } from '../src/domain/screencap.ts';
import { TErr } from '../src/tlib/errors.ts';
import type { ConformanceWorld } from '../support/world.ts';

When("the recorder's connection is dropped", async function (this: ConformanceWorld) {
  this.interrupted = await this.harness.dropConnection('recorder');
});

When("the desktop's connection is dropped", async function (this: ConformanceWorld) {
  this.interrupted = await this.harness.dropConnection('desktop');
});

When('the recorder restarts', async function (this: ConformanceWorld) {
  this.interrupted = await this.harness.restartRecorder();
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
    // What the T-Server told them on registering (the calls still there) has reached them too.
    await world.harness.untilDelivered();
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

When(
  "the recorder's connection is dropped and the desktop on DN {dn} sends {operation} before it is back",
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    // However fast the recorder reconnects, the T-Server holds its DN registrations until the
    // operation is answered: it is away, by the T-Server's own account, while the operation passes.
    await this.harness.holdRegistrations('recorder');
    this.interrupted = await this.harness.dropConnection('recorder');
    try {
      const { reply, mark } = await this.harness.operate(dn, op);
      this.last = { reply, mark, dn };
      this.missed = op;
    } finally {
      await this.harness.releaseRegistrations();
    }
  },
);

Then('the T-Server replies to it, and the desktop is told nothing', async function (this: ConformanceWorld) {
  const last = this.last;
  if (!last || !this.missed) throw new Error('no operation was sent while the recorder was away');
  this.log(`reply: ${last.reply ? JSON.stringify(last.reply) : 'none'}`);
  const recipients = await this.harness.deliveredOperation(this.missed, last.mark);
  this.log(
    recipients
      ? `the T-Server delivered it to: ${recipients.join(', ') || 'no one'}`
      : 'not observable in this profile: to whom the T-Server delivered the operation',
  );
  this.log(
    `observation: ${this.missed} on DN ${last.dn} was sent while the recorder was away; the desktop was told nothing (the seed has no signal for it)`,
  );
});

When('the link to the switch is down', async function (this: ConformanceWorld) {
  await this.harness.linkDown();
});

When('the link to the switch is back', async function (this: ConformanceWorld) {
  await this.harness.linkBack();
});

Then('the T-Server refuses it with EventError 54', function (this: ConformanceWorld) {
  const reply = this.last?.reply;
  if (!this.last) throw new Error('no operation has been sent yet in this scenario');
  // What the scenario arranged took effect; that nothing was delivered is TSRV-REFUSED-NOT-DELIVERED's.
  expect(reply?.message === 'EventError' && reply.ErrorCode, 'the reply while the link is down').to.equal(
    TErr.NO_SWITCH,
  );
});
