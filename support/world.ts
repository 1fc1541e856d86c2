/** The typed World: one ScenarioHarness per scenario, so scenarios never share parties or a T-Server. */
import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import type { NeverRegisteredError } from '../src/conformance/run-context.ts';
import type { ScenarioHarness } from '../src/conformance/scenario.ts';
import type { Operation } from '../src/domain/screencap.ts';
import type { RuleOutcome } from '../src/result/outcomes.ts';
import type { HarnessSettings } from '../src/settings.ts';
import type { TReply } from '../src/tlib/messages.ts';

/** The run's settings reach the support code as Cucumber's world parameters (runSuite hands them over). */
export class ConformanceWorld extends World<HarnessSettings> {
  /** Set before the scenario's steps (not when the system under test never became ready). */
  harness!: ScenarioHarness;
  /** `@rule:` tags of the scenario. */
  rules: string[] = [];
  /** The last operation sent: its reply and the journal mark before it. */
  last: { reply: TReply | undefined; mark: number; dn: string } | undefined;
  outcomes: RuleOutcome[] | undefined;
  /** The journal mark before a connection was dropped or the T-Server restarted. */
  interrupted: number | undefined;
  /** The operation sent while the recorder was away. */
  missed: Operation | undefined;
  /** The system under test never registered its DNs: this scenario reports it. */
  neverRegistered: NeverRegisteredError | undefined;

  constructor(options: IWorldOptions<HarnessSettings>) {
    super(options);
  }

  get settings(): HarnessSettings {
    return this.parameters;
  }
}

setWorldConstructor(ConformanceWorld);
