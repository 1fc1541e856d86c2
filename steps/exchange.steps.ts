/**
 * Operations, indications and what each party receives. Waits look back first, then wait. Where
 * the harness cannot see a party (the system under test behind an external T-Server), a step says
 * so in the report and the rules record it as not observable.
 */
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { type Indication, isOperation, type Operation, screenCaptureValue } from '../src/domain/screencap.ts';
import type { JournalEntry } from '../src/journal.ts';
import type { ConformanceWorld } from '../support/world.ts';

function lastOperation(world: ConformanceWorld) {
  if (!world.last) throw new Error('no operation has been sent yet in this scenario');
  return world.last;
}

/** The entry, or undefined after noting in the report that it cannot be observed here. */
function observed(
  world: ConformanceWorld,
  entry: JournalEntry | undefined,
  what: string,
): JournalEntry | undefined {
  if (!entry) world.log(`not observable in this profile: ${what}`);
  return entry;
}

async function send(world: ConformanceWorld, dn: string, op: Operation): Promise<void> {
  const { reply, mark } = await world.harness.operate(dn, op);
  world.last = { reply, mark, dn };
}

async function expectIndication(
  world: ConformanceWorld,
  dn: string,
  indication: Indication,
  rules: string,
): Promise<void> {
  const entry = observed(
    world,
    await world.harness.waitForIndication(dn, lastOperation(world).mark),
    `the indication reaching the desktop on ${dn}`,
  );
  if (entry)
    expect(entry.message.UserData, `indication delivered to the desktop (${rules})`).to.deep.equal([
      ['screen-capture', indication],
    ]);
}

When(
  'the desktop on DN {dn} sends {operation}',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    await send(this, dn, op);
  },
);

When(
  'the desktop on DN {dn} sends {operation} and gets {indication}',
  async function (this: ConformanceWorld, dn: string, op: Operation, indication: Indication) {
    await send(this, dn, op);
    await expectIndication(this, dn, indication, `answering ${op}: rule REC-MAPPING`);
  },
);

Then('the T-Server acknowledges it', function (this: ConformanceWorld) {
  const { reply } = lastOperation(this);
  expect(reply?.message, `reply to the operation (rule TSRV-REPLY): ${JSON.stringify(reply)}`).to.equal(
    'EventACK',
  );
});

Then(
  'the recorder receives {operation} on DN {dn}',
  async function (this: ConformanceWorld, op: Operation, dn: string) {
    const mark = lastOperation(this).mark;
    for (const recorder of this.harness.recorderReceivers()) {
      observed(
        this,
        await this.harness.waitForScreenCapture(recorder, dn, op, mark),
        `${op} reaching the recorder`,
      );
    }
  },
);

Then(
  'every client monitoring DN {dn} receives {operation}',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    const mark = lastOperation(this).mark;
    for (const receiver of [this.harness.desktopOn(dn), ...this.harness.recorderReceivers()]) {
      observed(
        this,
        await this.harness.waitForScreenCapture(receiver, dn, op, mark),
        `${op} reaching ${JSON.stringify(receiver)}`,
      );
    }
  },
);

Then("the recorder receives it with the call's ConnID", async function (this: ConformanceWorld) {
  const { dn, mark } = lastOperation(this);
  for (const recorder of this.harness.recorderReceivers()) {
    const entry = observed(
      this,
      // The operation, not an indication of the step before coming back to a recorder monitoring the DN.
      await this.harness.waitForEvent(
        recorder,
        'EventUserEvent',
        dn,
        mark,
        (m) => isOperation(screenCaptureValue(m.UserData)),
        'the operation',
      ),
      'the operation reaching the recorder',
    );
    if (entry)
      expect(
        entry.message.ConnID,
        'ConnID delivered to the recorder (rules DESK-CONNID, TSRV-PRESERVE)',
      ).to.equal(this.harness.callOn(dn));
  }
});

Then(
  'the desktop on DN {dn} receives the indication {indication}',
  async function (this: ConformanceWorld, dn: string, indication: Indication) {
    await expectIndication(this, dn, indication, 'rules REC-MAPPING, REC-QUERY-UNCHANGED');
  },
);

/** The ConnID of the indication answering the last operation: the call's, or none. */
async function expectIndicationConnId(
  world: ConformanceWorld,
  expected: string | undefined,
  rules: string,
): Promise<void> {
  const { dn, mark } = lastOperation(world);
  const entry = observed(
    world,
    await world.harness.waitForIndication(dn, mark),
    'the indication reaching the desktop',
  );
  if (entry) expect(entry.message.ConnID, `ConnID of the indication (${rules})`).to.equal(expected);
}

Then("the indication carries the call's ConnID", async function (this: ConformanceWorld) {
  await expectIndicationConnId(
    this,
    this.harness.callOn(lastOperation(this).dn),
    'rules REC-CONNID, DESK-RECEIVES-INDICATION',
  );
});

Then('the indication carries no ConnID', async function (this: ConformanceWorld) {
  await expectIndicationConnId(this, undefined, 'rule REC-CONNID, no call');
});
