/**
 * The screen-capture vocabulary of the seed (Control for Third Party Screen Recording): the
 * operations the desktop sends, the indications the recorder answers, and the reading of which
 * indication answers which operation (DESIGN section 4: explicit, configurable).
 */
import { type KVList, kvGet } from '../tlib/messages.ts';

export const SCREEN_CAPTURE_KEY = 'screen-capture';

export const OPERATIONS = ['start', 'stop', 'pause', 'resume', 'query'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const INDICATIONS = ['enabled', 'disabled', 'paused'] as const;
export type Indication = (typeof INDICATIONS)[number];

/** What answers each operation; `current` means the state as it is, unchanged (query). */
export type IndicationMapping = Record<Operation, Indication | 'current'>;

export const DEFAULT_MAPPING: IndicationMapping = {
  start: 'enabled',
  stop: 'disabled',
  pause: 'paused',
  resume: 'enabled',
  query: 'current',
};

/** The recorder's state before any operation. */
export const INITIAL_STATE: Indication = 'disabled';

export function isOperation(value: unknown): value is Operation {
  return OPERATIONS.includes(value as Operation);
}

export function isIndication(value: unknown): value is Indication {
  return INDICATIONS.includes(value as Indication);
}

/** The `screen-capture` value of a KV list (the first, as T-Lib reads it), whatever a party sent. */
export function screenCaptureValue(userData: unknown): unknown {
  return Array.isArray(userData) ? kvGet(userData as KVList, SCREEN_CAPTURE_KEY) : undefined;
}

/** The indication an operation should produce, given the state before it. */
export function expectedIndication(
  mapping: IndicationMapping,
  operation: Operation,
  before: Indication,
): Indication {
  const mapped = mapping[operation];
  return mapped === 'current' ? before : mapped;
}

/**
 * The screen-capture state of each DN: its last indication, or the initial state before any. The
 * state before an operation, which `current` in the mapping reads (query answers it): one reading
 * for the recorder that keeps the state and for the rules that judge it.
 */
export class CaptureStates<Dn = string> {
  private readonly last: Map<Dn, Indication>;

  /** `restored`: the states some DNs start in (a restart that kept them); the others start in `initial`. */
  constructor(
    private readonly initial: Indication = INITIAL_STATE,
    restored?: Iterable<readonly [Dn, Indication]>,
  ) {
    this.last = new Map(restored);
  }

  /** The state before the next operation on `dn`. */
  of(dn: Dn): Indication {
    return this.last.get(dn) ?? this.initial;
  }

  /** The indication that should answer `operation` on `dn` now. */
  answer(mapping: IndicationMapping, dn: Dn, operation: Operation): Indication {
    return expectedIndication(mapping, operation, this.of(dn));
  }

  /** `dn` is now in `state` (an indication was sent for it). */
  set(dn: Dn, state: Indication): void {
    this.last.set(dn, state);
  }

  /** Every DN back in the initial state (the recorder restarted afresh). */
  reset(): void {
    this.last.clear();
  }
}
