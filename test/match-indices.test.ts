/**
 * Cucumber's step matching with native match indices in place of the regexp-match-indices polyfill:
 * the same matches, the same argument positions, and the polyfill's regexp-tree never loaded.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { execWithIndices, useNativeMatchIndices } from '../src/conformance/match-indices.ts';

// Before anything in this process loads Cucumber.
const installed = useNativeMatchIndices();

const require = createRequire(import.meta.url);
const fromCucumber = createRequire(require.resolve('@cucumber/cucumber'));
const fromExpressions = createRequire(fromCucumber.resolve('@cucumber/cucumber-expressions'));
const regexpTree = fromExpressions
  .resolve('regexp-match-indices')
  .replace(/regexp-match-indices.*$/, 'regexp-tree');

/** Every match's groups and their positions, with the polyfill's answer as the oracle. */
const cases: Array<[RegExp, string]> = [
  [/^the desktop sends (\w+) on (\d+)$/, 'the desktop sends StartRecording on 7001'],
  [/^a (?:big|small) (\d+)(?: and (\d+))?$/, 'a big 12'],
  [/^a (?:big|small) (\d+)(?: and (\d+))?$/, 'a small 12 and 13'],
  [/^(?<who>recorder|desktop) gets ((\w+) (\w+))$/, 'recorder gets EventACK now'],
  [/"([^"]*)" or '([^']*)'/g, `he said "it" or 'that'`],
  [/^nothing (\d+)$/, 'does not match'],
];

describe('native match indices', () => {
  test('are in place before Cucumber loads', () => {
    assert.equal(installed, undefined);
    assert.equal(useNativeMatchIndices(), undefined, 'a second call finds them in place');
  });

  test("are what Cucumber's expressions use: arguments found where they are, regexp-tree never loaded", async () => {
    const { CucumberExpression, ParameterTypeRegistry } = fromCucumber('@cucumber/cucumber-expressions') as {
      CucumberExpression: new (
        expression: string,
        registry: unknown,
      ) => { match(text: string): Array<{ group: { start: number; end: number; value: string } }> | null };
      ParameterTypeRegistry: new () => unknown;
    };
    const expression = new CucumberExpression(
      'the desktop sends {word} on {int}',
      new ParameterTypeRegistry(),
    );
    const args = expression.match('the desktop sends StartRecording on 7001');
    assert.deepEqual(
      args?.map((a) => [a.group.value, a.group.start, a.group.end]),
      [
        ['StartRecording', 18, 32],
        ['7001', 36, 40],
      ],
    );
    assert.ok(!Object.keys(require.cache).some((k) => k.startsWith(regexpTree)), 'regexp-tree was loaded');
  });
  test('a global expression goes on from where the last match ended, as exec does', () => {
    const regexp = /(\d+)/g;
    assert.deepEqual(execWithIndices(regexp, 'a 1 b 22')?.indices?.[1], [2, 3]);
    assert.equal(regexp.lastIndex, 3);
    assert.deepEqual(execWithIndices(regexp, 'a 1 b 22')?.indices?.[1], [6, 8]);
    assert.equal(execWithIndices(regexp, 'a 1 b 22'), null);
    assert.equal(regexp.lastIndex, 0);
  });

  test('give the match and the positions the polyfill gives', async () => {
    // The polyfill itself, loaded apart (its module is replaced in the cache), regexp-tree and all.
    const implementation = fromExpressions(
      fromExpressions.resolve('regexp-match-indices').replace(/index\.js$/, 'implementation.js'),
    ) as (this: RegExp, s: string) => RegExpExecArray | null;
    for (const [regexp, text] of cases) {
      const ours = execWithIndices(regexp, text);
      const theirs = implementation.call(new RegExp(regexp.source, regexp.flags), text);
      assert.deepEqual(ours && [...ours], theirs && [...theirs], `${regexp} on ${text}`);
      assert.deepEqual(ours?.indices && [...ours.indices], theirs?.indices && [...theirs.indices]);
      assert.deepEqual(ours?.indices?.groups, theirs?.indices?.groups);
    }
  });
});
