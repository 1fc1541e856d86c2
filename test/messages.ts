/** Cucumber's messages of small runs, for the tests of what is made of them (not a test file itself). */
import type { Envelope } from '@cucumber/messages';

export const at = (seconds: number) => ({ seconds, nanos: 0 });

/** A run of one scenario of one step, as Cucumber's messages say it. */
export function oneScenario(status: 'PASSED' | 'FAILED', finished = true): Envelope[] {
  const uri = 'features/one.feature';
  const source = 'Feature: one\n  Scenario: a scenario\n    Given a step\n';
  const location = { line: 2, column: 3 };
  const envelopes: Envelope[] = [
    { source: { uri, data: source, mediaType: 'text/x.cucumber.gherkin+plain' } },
    {
      gherkinDocument: {
        uri,
        comments: [],
        feature: {
          location: { line: 1, column: 1 },
          tags: [],
          language: 'en',
          keyword: 'Feature',
          name: 'one',
          description: '',
          children: [
            {
              scenario: {
                id: 's1',
                location,
                tags: [],
                keyword: 'Scenario',
                name: 'a scenario',
                description: '',
                examples: [],
                steps: [
                  {
                    id: 'st1',
                    location: { line: 3, column: 5 },
                    keyword: 'Given ',
                    keywordType: 'Context',
                    text: 'a step',
                  },
                ],
              },
            },
          ],
        },
      },
    } as Envelope,
    {
      pickle: {
        id: 'p1',
        uri,
        location,
        name: 'a scenario',
        language: 'en',
        astNodeIds: ['s1'],
        tags: [],
        steps: [{ id: 'ps1', text: 'a step', type: 'Context', astNodeIds: ['st1'] }],
      },
    },
    { testRunStarted: { timestamp: at(1) } },
    { testCase: { id: 'tc1', pickleId: 'p1', testSteps: [{ id: 'ts1', pickleStepId: 'ps1' }] } },
    { testCaseStarted: { id: 'tcs1', testCaseId: 'tc1', attempt: 0, timestamp: at(1) } },
    { testStepStarted: { testCaseStartedId: 'tcs1', testStepId: 'ts1', timestamp: at(1) } },
    {
      testStepFinished: {
        testCaseStartedId: 'tcs1',
        testStepId: 'ts1',
        testStepResult: {
          status,
          duration: at(0),
          ...(status === 'FAILED' ? { message: 'it broke' } : {}),
        },
        timestamp: at(2),
      },
    },
    { testCaseFinished: { testCaseStartedId: 'tcs1', timestamp: at(2), willBeRetried: false } },
  ] as Envelope[];
  if (finished) envelopes.push({ testRunFinished: { success: status === 'PASSED', timestamp: at(2) } });
  return envelopes;
}
