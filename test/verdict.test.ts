/**
 * The result model (src/result): how scenario outcomes become one outcome per rule, how rule
 * outcomes become a verdict and an exit code, and how two kinds of evidence combine. Every
 * outcome carries its reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RULE_IDS, RULES } from '../src/domain/rule-catalog.ts';
import { combineEvidence } from '../src/result/combine.ts';
import { EXIT, exitCodeOf } from '../src/result/exit-codes.ts';
import type { Outcome, RuleOutcome, ScenarioResult, SuiteResult } from '../src/result/outcomes.ts';
import { certifiedScope, summarizeRules, verdictOf } from '../src/result/verdict.ts';

const ALL = certifiedScope('all', 'n/a');

function ruleOutcome(rule: string, outcome: Outcome, reason = `${rule} ${outcome}`): RuleOutcome {
  return { rule, section: '1.1', outcome, reason, checked: outcome === 'passed' ? 1 : 0, findings: [] };
}

function scenario(
  name: string,
  rules: RuleOutcome[],
  status: ScenarioResult['status'] = 'passed',
): ScenarioResult {
  return { name, uri: `features/x.feature:${name.length}`, status, rules };
}

/** A scenario in which every rule passed. */
const allPassed = () =>
  scenario(
    'all pass',
    RULE_IDS.map((id) => ruleOutcome(id, 'passed')),
  );

const rule = (rules: ReturnType<typeof summarizeRules>, id: string) => rules.find((r) => r.rule === id);

describe('one outcome per rule, over the scenarios', () => {
  test('a pass says what its evidence lacked that it does not judge (a journal that dropped chaff), once', () => {
    const caveat = 'the journal dropped 3 message(s) (3000 bytes) ...; this rule judges none of those';
    const passedWith = (name: string) =>
      scenario(name, [
        { ...ruleOutcome('TSRV-DELIVERY', 'passed'), caveat },
        ruleOutcome('TSRV-REPLY', 'passed'),
      ]);
    const rules = summarizeRules([passedWith('a'), passedWith('b')], ALL);
    assert.equal(rule(rules, 'TSRV-DELIVERY')?.reason, `passed in 2 scenario(s); ${caveat}`);
    assert.equal(rule(rules, 'TSRV-REPLY')?.reason, 'passed in 2 scenario(s)');
    assert.equal(rule(rules, 'TSRV-DELIVERY')?.scenarios[0]?.caveat, caveat);
  });

  test('failed outranks passed, which outranks every unjudged outcome; each keeps its reason', () => {
    const rules = summarizeRules(
      [
        scenario('a', [
          ruleOutcome('REC-MAPPING', 'passed'),
          ruleOutcome('REC-ANSWER', 'not-observable', 'cannot see'),
        ]),
        scenario('b', [
          ruleOutcome('REC-MAPPING', 'failed', 'start should be enabled'),
          ruleOutcome('REC-ANSWER', 'passed'),
        ]),
        scenario('c', [
          ruleOutcome('REC-CONNID', 'not-exercised', 'no call'),
          ruleOutcome('REC-CONNID', 'not-observable', 'blind'),
        ]),
      ],
      ALL,
    );
    assert.equal(rule(rules, 'REC-MAPPING')?.outcome, 'failed');
    assert.equal(rule(rules, 'REC-MAPPING')?.reason, 'b: start should be enabled');
    assert.equal(rule(rules, 'REC-ANSWER')?.outcome, 'passed');
    assert.equal(rule(rules, 'REC-CONNID')?.outcome, 'not-observable');
    assert.equal(rule(rules, 'REC-CONNID')?.reason, 'blind');
  });

  test('a rule no scenario exercised is not exercised, never passed; after a stop it says so', () => {
    assert.equal(rule(summarizeRules([], ALL), 'DESK-CONNID')?.outcome, 'not-exercised');
    assert.match(
      rule(summarizeRules([], ALL), 'DESK-CONNID')?.reason ?? '',
      /nothing in this evidence exercises it/,
    );
    assert.match(
      rule(summarizeRules([], { ...ALL, stopped: true }), 'DESK-CONNID')?.reason ?? '',
      /no scenario exercising it ran before the run stopped/,
    );
  });

  test('rules of seats not certified are not applicable, whatever the scenarios found, with the reason', () => {
    const failing = scenario(
      'x',
      RULE_IDS.map((id) => ruleOutcome(id, 'failed')),
      'failed',
    );
    const rules = summarizeRules([failing], certifiedScope('recorder', 'the harness plays it'));
    for (const def of RULES) {
      const r = rule(rules, def.id);
      if (def.seat === 'recorder') assert.equal(r?.outcome, 'failed', def.id);
      else {
        assert.equal(r?.outcome, 'not-applicable', def.id);
        assert.equal(r?.reason, `judges the ${def.seat}: the harness plays it`);
      }
    }
  });
});

describe('the verdict', () => {
  const verdict = (scenarios: ScenarioResult[], extra: Partial<Parameters<typeof verdictOf>[0]> = {}) =>
    verdictOf({ scenarios, rules: summarizeRules(scenarios, ALL), ...extra });

  test('PASSED when every applicable rule was judged and passed', () => {
    assert.deepEqual(verdict([allPassed()]), { verdict: 'passed', reasons: [] });
  });

  test('INCOMPLETE when nothing failed but an applicable rule was not observable or not exercised, naming each', () => {
    const s = allPassed();
    s.rules = s.rules.filter((r) => r.rule !== 'REC-QUERY-UNCHANGED');
    const blind = scenario('blind', [ruleOutcome('REC-QUERY-UNCHANGED', 'not-observable', 'behind GWS')]);
    assert.deepEqual(verdict([s]), { verdict: 'incomplete', reasons: ['REC-QUERY-UNCHANGED not exercised'] });
    assert.deepEqual(verdict([s, blind]), {
      verdict: 'incomplete',
      reasons: ['REC-QUERY-UNCHANGED not observable'],
    });
  });

  test('not applicable leaves the verdict alone', () => {
    const s = allPassed();
    s.rules = s.rules.map((r) =>
      r.rule === 'TSRV-REFUSED-NOT-DELIVERED' ? ruleOutcome(r.rule, 'not-applicable') : r,
    );
    assert.equal(verdict([s]).verdict, 'passed');
  });

  test('FAILED when a rule failed, a scenario failed, the run stopped, nothing ran or nothing was judged', () => {
    const failedRule = allPassed();
    failedRule.rules[0] = ruleOutcome('DESK-REGISTERED', 'failed');
    assert.deepEqual(verdict([failedRule]), { verdict: 'failed', reasons: ['DESK-REGISTERED failed'] });
    assert.deepEqual(verdict([{ ...allPassed(), status: 'failed' }]).reasons, ['1 scenario(s) failed']);
    assert.deepEqual(verdict([allPassed()], { stopped: 'interrupted by SIGINT' }).reasons, [
      'interrupted by SIGINT',
    ]);
    assert.deepEqual(verdict([allPassed()], { failures: ['the recorder left'] }).reasons, [
      'the recorder left',
    ]);
    assert.equal(verdict([]).verdict, 'failed');
    assert.ok(verdict([]).reasons.includes('no scenario ran'));
    assert.ok(verdict([]).reasons.includes('no rule was judged'));
    // A failure and an unjudged rule: FAILED, and the unjudged rule is still named.
    const both = allPassed();
    both.rules = [ruleOutcome('DESK-REGISTERED', 'failed')];
    assert.equal(verdict([both]).verdict, 'failed');
    assert.ok(verdict([both]).reasons.includes('REC-QUERY-UNCHANGED not exercised'));
  });

  test('exit codes: 0 PASSED, 1 FAILED, 3 INCOMPLETE (0 when allowed); 2 is for commands that could not run', () => {
    assert.equal(exitCodeOf('passed'), 0);
    assert.equal(exitCodeOf('failed'), 1);
    assert.equal(exitCodeOf('incomplete'), 3);
    assert.equal(exitCodeOf('incomplete', { allowIncomplete: true }), 0);
    assert.equal(exitCodeOf('failed', { allowIncomplete: true }), 1);
    assert.equal(EXIT.cannotRun, 2);
  });
});

describe('two kinds of evidence, one result', () => {
  const result = (outcomes: Record<string, Outcome>): SuiteResult => {
    const scenarios = [
      scenario(
        's',
        Object.entries(outcomes).map(([id, o]) => ruleOutcome(id, o)),
      ),
    ];
    const rules = summarizeRules(scenarios, ALL);
    return { ...verdictOf({ scenarios, rules }), scenarios, rules, complete: true };
  };
  const everyRule = (o: Outcome) => Object.fromEntries(RULE_IDS.map((id) => [id, o]));

  test('a rule fails if either evidence shows a violation; passes if one judged it; names who judged it', () => {
    const live = result({ ...everyRule('passed'), 'REC-THISDN': 'not-observable', 'REC-CONNID': 'failed' });
    const log = result({ ...everyRule('passed'), 'REC-MAPPING': 'failed', 'REC-ANSWER': 'not-observable' });
    const combined = combineEvidence([
      { label: 'live run', result: live },
      { label: 'SIP Server log', result: log },
    ]);
    const r = (id: string) => combined.rules.find((x) => x.rule === id);
    assert.equal(r('REC-THISDN')?.outcome, 'passed');
    assert.deepEqual(r('REC-THISDN')?.judgedBy, ['SIP Server log']);
    assert.equal(r('REC-CONNID')?.outcome, 'failed');
    assert.match(r('REC-CONNID')?.reason ?? '', /^live run: /);
    assert.equal(r('REC-MAPPING')?.outcome, 'failed');
    assert.equal(r('REC-ANSWER')?.outcome, 'passed');
    assert.deepEqual(r('DESK-CONNID')?.judgedBy, ['live run', 'SIP Server log']);
    assert.equal(combined.verdict, 'failed');
  });

  test('not observable only when neither evidence can show it; what another could show outranks it', () => {
    const live = result({
      ...everyRule('passed'),
      'REC-THISDN': 'not-observable',
      'REC-ANSWER': 'not-observable',
    });
    const log = result({
      ...everyRule('passed'),
      'REC-THISDN': 'not-observable',
      'REC-ANSWER': 'not-exercised',
    });
    const combined = combineEvidence([
      { label: 'live run', result: live },
      { label: 'SIP Server log', result: log },
    ]);
    assert.equal(combined.rules.find((x) => x.rule === 'REC-THISDN')?.outcome, 'not-observable');
    assert.equal(combined.rules.find((x) => x.rule === 'REC-ANSWER')?.outcome, 'not-exercised');
    assert.equal(combined.verdict, 'incomplete');
  });

  test('evidence that did not finish fails the combination', () => {
    const live = { ...result(everyRule('passed')), complete: false };
    const combined = combineEvidence([
      { label: 'live run', result: live },
      { label: 'SIP Server log', result: result(everyRule('passed')) },
    ]);
    assert.equal(combined.verdict, 'failed');
    assert.deepEqual(combined.reasons, ['the live run did not finish']);
  });
});
