/**
 * Fault injection: plain data saying what to do to the next RequestSendEvent(s), optionally only on
 * one DN. Faults apply in the order they were added; each matching request consumes one `count`.
 */
import { dnProblem, show } from '../tlib/codec.ts';
import { TErr } from '../tlib/errors.ts';

export const FAULT_KINDS = ['delay', 'error', 'drop', 'disconnect', 'link-down'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  /** delay: reply and deliver `ms` later; error: EventError `code` (default 52), nothing delivered;
   *  drop: EventACK but nothing delivered; disconnect: close the requester's connection, no reply;
   *  link-down: EventError 54 (TERR_NO_SWITCH), nothing delivered. */
  kind: FaultKind;
  /** Only requests on this DN (default: any DN). */
  dn?: string;
  /** How many requests it applies to (default: all, until cleared). */
  count?: number;
  /** delay only: milliseconds. */
  ms?: number;
  /** error only: the ErrorCode to answer (default 52, TERR_INTERNAL). */
  code?: number;
}

export interface Fault extends FaultSpec {
  id: number;
  /** Requests it still applies to; absent means unlimited. */
  remaining?: number;
}

export class InvalidFaultError extends Error {
  override name = 'InvalidFaultError';
}

/** Validates a fault as the admin API receives it, naming the field at fault. */
export function parseFaultSpec(body: unknown): FaultSpec {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidFaultError(`fault: expected a JSON object, got ${show(body)}`);
  }
  const b = body as Record<string, unknown>;
  if (!FAULT_KINDS.includes(b.kind as FaultKind)) {
    throw new InvalidFaultError(`kind: expected one of ${FAULT_KINDS.join(', ')}, got ${show(b.kind)}`);
  }
  const spec: FaultSpec = { kind: b.kind as FaultKind };
  if (b.dn !== undefined) {
    const p = dnProblem(b.dn);
    if (p) throw new InvalidFaultError(`dn: ${p}`);
    spec.dn = b.dn as string;
  }
  if (b.count !== undefined) {
    if (!Number.isSafeInteger(b.count) || (b.count as number) < 1) {
      throw new InvalidFaultError(`count: expected a positive integer, got ${show(b.count)}`);
    }
    spec.count = b.count as number;
  }
  if (spec.kind === 'delay') {
    if (!Number.isSafeInteger(b.ms) || (b.ms as number) < 0 || (b.ms as number) > 600_000) {
      throw new InvalidFaultError(
        `ms: a delay fault needs ms, an integer from 0 to 600000, got ${show(b.ms)}`,
      );
    }
    spec.ms = b.ms as number;
  } else if (b.ms !== undefined) {
    throw new InvalidFaultError(`ms: only a delay fault takes ms, this is ${spec.kind}`);
  }
  if (spec.kind === 'error') {
    if (b.code !== undefined) {
      if (!Number.isSafeInteger(b.code) || (b.code as number) < 1) {
        throw new InvalidFaultError(`code: expected a positive integer ErrorCode, got ${show(b.code)}`);
      }
      spec.code = b.code as number;
    }
  } else if (b.code !== undefined) {
    throw new InvalidFaultError(`code: only an error fault takes code, this is ${spec.kind}`);
  }
  return spec;
}

export class FaultTable {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: this.nextId++ };
    if (spec.count !== undefined) fault.remaining = spec.count;
    this.faults.push(fault);
    return fault;
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The first fault that applies to a request on `dn`, consuming one of its count. */
  take(dn: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.dn === undefined || f.dn === dn);
    if (i === -1) return undefined;
    const fault = this.faults[i] as Fault;
    if (fault.remaining !== undefined && --fault.remaining === 0) this.faults.splice(i, 1);
    return fault;
  }
}

export const DEFAULT_FAULT_ERROR_CODE = TErr.INTERNAL;
