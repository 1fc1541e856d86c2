/** Operations, indications and what each party receives. Waits look back first, then wait. */
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { Indication, Operation } from '../src/screencap.ts';
import type { ConformanceWorld } from '../support/world.ts';

function lastOperation(world: ConformanceWorld) {
  if (!world.last) throw new Error('no operation has been sent yet in this scenario');
  return world.last;
}

When(
  'the desktop on DN {dn} sends {operation}',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    const { reply, mark } = await this.harness.operate(dn, op);
    this.last = { reply, mark, dn };
  },
);

When(
  'the desktop on DN {dn} sends {operation} and gets {indication}',
  async function (this: ConformanceWorld, dn: string, op: Operation, indication: Indication) {
    const { reply, mark } = await this.harness.operate(dn, op);
    this.last = { reply, mark, dn };
    const entry = await this.harness.waitForIndication(dn, mark);
    expect(entry.message.UserData, `indication answering ${op} (rule REC-MAPPING)`).to.deep.equal([
      ['screen-capture', indication],
    ]);
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
    await this.harness.waitForScreenCapture('recorder', dn, op, lastOperation(this).mark);
  },
);

Then(
  'every client monitoring DN {dn} receives {operation}',
  async function (this: ConformanceWorld, dn: string, op: Operation) {
    const mark = lastOperation(this).mark;
    for (const [party, role] of this.harness.roles) {
      if (role === 'recorder' || (role === 'desktop' && this.harness.desktop(dn).link.party === party)) {
        await this.harness.waitForScreenCapture(party, dn, op, mark);
      }
    }
  },
);

Then("the recorder receives it with the call's ConnID", async function (this: ConformanceWorld) {
  const { dn, mark } = lastOperation(this);
  const entry = await this.harness.journal.waitFor(
    (e) =>
      e.party === 'recorder' &&
      e.direction === 'in' &&
      e.message.message === 'EventUserEvent' &&
      e.message.ThisDN === dn,
    {
      after: mark,
      timeoutMs: this.harness.settings.requestTimeoutMs,
      description: `the recorder to receive the operation on DN ${dn}`,
    },
  );
  expect(
    entry.message.ConnID,
    'ConnID delivered to the recorder (rules DESK-CONNID, TSRV-PRESERVE)',
  ).to.equal(this.harness.callOn(dn));
});

Then(
  'the desktop on DN {dn} receives the indication {indication}',
  async function (this: ConformanceWorld, dn: string, indication: Indication) {
    const entry = await this.harness.waitForIndication(dn, lastOperation(this).mark);
    expect(
      entry.message.UserData,
      'indication delivered to the desktop (rules REC-MAPPING, REC-QUERY-UNCHANGED)',
    ).to.deep.equal([['screen-capture', indication]]);
  },
);

Then("the indication carries the call's ConnID", async function (this: ConformanceWorld) {
  const { dn, mark } = lastOperation(this);
  const entry = await this.harness.waitForIndication(dn, mark);
  expect(
    entry.message.ConnID,
    'ConnID of the indication (rules REC-CONNID, DESK-RECEIVES-INDICATION)',
  ).to.equal(this.harness.callOn(dn));
});

Then('the indication carries no ConnID', async function (this: ConformanceWorld) {
  const { dn, mark } = lastOperation(this);
  const entry = await this.harness.waitForIndication(dn, mark);
  expect(entry.message.ConnID, 'ConnID of the indication with no call (rule REC-CONNID)').to.equal(undefined);
});
