/**
 * Cucumber matches each step's text against the step definitions through cucumber-expressions,
 * which asks `regexp-match-indices` where each argument starts. That package is a polyfill from
 * before JavaScript had match indices: on Node 20, where the `d` flag gives them natively, it still
 * parses every expression with regexp-tree, rewrites it and matches a second time, at every step
 * of every scenario (some 5-10% of a self run's CPU, the largest single part that is not the
 * scenarios' own). Cucumber 12.9 pins it (cucumber-expressions 19.0.0, regexp-match-indices 1.0.2),
 * so the native flag takes its place in Node's module cache before Cucumber loads: the same
 * function, giving the same match with the same `indices`.
 */
import Module, { createRequire } from 'node:module';

const withIndices = new WeakMap<RegExp, RegExp>();

/** `regexp.exec(string)` whose match has `indices`, as regexp-match-indices' default export answers it. */
export function execWithIndices(regexp: RegExp, string: string): RegExpExecArray | null {
  let measuring = withIndices.get(regexp);
  if (!measuring) {
    measuring = regexp.hasIndices ? regexp : new RegExp(regexp.source, `${regexp.flags}d`);
    withIndices.set(regexp, measuring);
  }
  measuring.lastIndex = regexp.lastIndex;
  const match = measuring.exec(string);
  regexp.lastIndex = measuring.lastIndex;
  return match;
}

/**
 * Makes the Cucumber this module resolves use execWithIndices. Returns why it could not (the
 * polyfill is already loaded, or not where Cucumber 12.9 has it): Cucumber then runs as it is.
 */
export function useNativeMatchIndices(from: string = import.meta.url): string | undefined {
  let polyfill: string;
  try {
    const cucumber = createRequire(from).resolve('@cucumber/cucumber');
    const expressions = createRequire(cucumber).resolve('@cucumber/cucumber-expressions');
    polyfill = createRequire(expressions).resolve('regexp-match-indices');
  } catch (e) {
    return `regexp-match-indices not found beside Cucumber: ${(e as Error).message}`;
  }
  const cache = createRequire(polyfill).cache;
  const cached = cache[polyfill];
  if (cached)
    return cached.exports === execWithIndices ? undefined : 'regexp-match-indices is already loaded';
  const native = new Module(polyfill);
  native.filename = polyfill;
  native.exports = execWithIndices;
  native.loaded = true;
  cache[polyfill] = native;
  return undefined;
}
