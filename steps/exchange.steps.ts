/**
 * Operations, indications and what each party receives. Steps send, wait for what the exchange
 * brings (each wait up to its configured time: nothing arriving fails the step as a wait) and say
 * in the report what came; whether it was right is the tagged rules' to judge (the configured
 * mapping, ConnIDs, replies), in the scenario's last step. Where the harness cannot see a party
 * (the system under test behind an external T-Server), a step says so and the rules record it as
 * not observable.
 */
import { Then, When } from '@cucumber/cucumber';
import { isOperation, type Operation, screenCaptureValue } from '../src/domain/screencap.ts';
import { type JournalEntry, summarize } from '../src/journal.ts';
import type { ConformanceWorld } from '../support/world.ts';

function lastOperation(world: ConformanceWorld) {
  if (!world.last) throw new Error('no operation has been sent yet in this scenario');
  return world.last;
}

/** Says in the report what arrived, or that it cannot be observed here. */
function record(world: ConformanceWorld, entry: JournalEntry | undefined, what: string): void {
  world.log(entry ? `${what}: ${summarize(entry)}` : `not observable in this profile: ${what}`);
}

async function send(world: ConformanceWorld, dn: string, op: Operation): Promise<void> {
  const { reply, mark } = await world.harness.operate(dn, op);
  world.last = { reply, mark, dn };
}

/** Waits for the indication answering the last operation to reach the desktop on `dn`. */
async function awaitIndication(world: ConformanceWorld, dn: string): Promise<void> {
  const entry = await world.harness.waitForIndication(dn, lastOperation(world).mark);
  record(world, entry, `the indication reaching the desktop on ${dn}`);
}

When(
  'the desktop on DN {dn} sends {operation}',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    await send(this, dn, op);
  },
);

When(
  'the desktop on DN {dn} sends {operation} and gets an indication',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    await send(this, dn, op);
    await awaitIndication(this, dn);
  },
);

Then('the T-Server replies to it', function (this: ConformanceWorld) {
  const { reply } = lastOperation(this);
  this.log(reply ? `reply: ${JSON.stringify(reply)}` : 'no reply: the desktop sent no request');
});

Then(
  'the recorder receives {operation} on DN {dn}',
  async function (this: ConformanceWorld, op: Operation, dn: string) {
    const mark = lastOperation(this).mark;
    for (const recorder of this.harness.recorderReceivers()) {
      const entry = await this.harness.waitForScreenCapture(recorder, dn, op, mark);
      record(this, entry, `${op} reaching the recorder`);
    }
  },
);

Then(
  'every client monitoring DN {dn} receives {operation}',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    const mark = lastOperation(this).mark;
    for (const receiver of [this.harness.desktopOn(dn), ...this.harness.recorderReceivers()]) {
      const entry = await this.harness.waitForScreenCapture(receiver, dn, op, mark);
      record(this, entry, `${op} reaching ${JSON.stringify(receiver)}`);
    }
  },
);

Then('the recorder receives the operation', async function (this: ConformanceWorld) {
  const { dn, mark } = lastOperation(this);
  for (const recorder of this.harness.recorderReceivers()) {
    // The operation, not an indication of the step before coming back to a recorder monitoring the DN.
    const entry = await this.harness.waitForEvent(
      recorder,
      'EventUserEvent',
      dn,
      mark,
      (m) => isOperation(screenCaptureValue(m.UserData)),
      'the operation',
    );
    record(
      this,
      entry,
      `the operation reaching the recorder (the call's ConnID: ${this.harness.callOn(dn) ?? 'none'})`,
    );
  }
});

Then('the desktop on DN {dn} receives an indication', async function (this: ConformanceWorld, dn: string) {
  await awaitIndication(this, dn);
});
