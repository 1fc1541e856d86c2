/**
 * Parameter types: operations, indications and DNs. Features name the agents' DNs 7001 and 7002;
 * they stand for the first and second configured agent DNs (agents.dns), so a vendor's own DNs work
 * unchanged.
 */
import { defineParameterType } from '@cucumber/cucumber';
import { INDICATIONS, OPERATIONS } from '../src/domain/screencap.ts';
import type { ConformanceWorld } from './world.ts';

const FEATURE_DNS = ['7001', '7002'];

defineParameterType({
  name: 'operation',
  regexp: new RegExp(OPERATIONS.join('|')),
  transformer: (s: string) => s,
});
defineParameterType({
  name: 'indication',
  regexp: new RegExp(INDICATIONS.join('|')),
  transformer: (s: string) => s,
});
defineParameterType({
  name: 'dn',
  regexp: /\d{3,10}/,
  transformer(this: ConformanceWorld, s: string) {
    const i = FEATURE_DNS.indexOf(s);
    return i === -1 ? s : (this.settings.config.agents.dns[i] as string);
  },
});
