/** Parameter types: operations, indications and DNs read as their domain values. */
import { defineParameterType } from '@cucumber/cucumber';
import { INDICATIONS, OPERATIONS } from '../src/screencap.ts';

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
defineParameterType({ name: 'dn', regexp: /\d{3,10}/, transformer: (s: string) => s });
