/**
 * Cucumber's limit on each step and hook, from the run's settings. Cucumber fixes its own limit when
 * the support code loads, before the settings arrive (world parameters): each step and hook is
 * wrapped in a limit read from them instead. BeforeAll's is the readiness limit.
 */
import { setDefaultTimeout, setDefinitionFunctionWrapper } from '@cucumber/cucumber';
import { withinMs } from '../src/conformance/time-limit.ts';
import { type HarnessSettings, timeLimitMs } from '../src/settings.ts';

/** What a hook passes as `wrapperOptions` to be limited by readiness rather than by a step's time. */
export const READINESS = { limit: 'readiness' } as const;

setDefaultTimeout(-1);

setDefinitionFunctionWrapper(
  (fn: (...args: unknown[]) => unknown, options?: typeof READINESS) =>
    function (this: { parameters: HarnessSettings }, ...args: unknown[]) {
      const ms = timeLimitMs(this.parameters, options?.limit ?? 'step');
      // Cucumber's own words, which the reports turn into a sentence (src/report/step-failure.ts).
      const message = `function timed out, ensure the promise resolves within ${ms} milliseconds`;
      return withinMs(ms, message, async () => fn.apply(this, args));
    },
);
