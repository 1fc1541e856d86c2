/**
 * What scenarios ask of the T-Server beyond tlib-json: calls, faults, the configured DN list. The
 * embedded simulator does it in process; an external screencap-cert simulator through its admin API;
 * any other T-Server cannot, and scenarios that need it are not applicable there.
 */
import type { FaultSpec } from '../sim/faults.ts';
import type { TServer } from '../sim/tserver.ts';

export interface SimulatorControl {
  createCall(dn: string): Promise<string>;
  releaseCall(connId: string): Promise<void>;
  addFault(fault: FaultSpec): Promise<void>;
  /** undefined: not possible on this T-Server. */
  configureDns?(dns: string[] | undefined): Promise<void>;
  /** Turns the simulator's strict mode (`sim --strict`) on or off; undefined: not possible here. */
  strict?(on: boolean): Promise<void>;
}

export function inProcessControl(tserver: TServer): SimulatorControl {
  return {
    createCall: async (dn) => tserver.createCall(dn).connId,
    releaseCall: async (connId) => {
      if (!tserver.releaseCall(connId)) throw new Error(`no established call with ConnID ${connId}`);
    },
    addFault: async (fault) => {
      tserver.faults.add(fault);
    },
    configureDns: async (dns) => tserver.configureDns(dns),
    strict: async (on) => {
      tserver.strict = on;
    },
  };
}

/** The admin API of a screencap-cert simulator running elsewhere (`screencap-cert sim`). */
export function adminApiControl(adminUrl: string): SimulatorControl {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const url = new URL(path, adminUrl);
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    }).catch((e: Error) => {
      throw new Error(`admin API ${method} ${url} failed: ${e.message}`);
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin API ${method} ${url} answered ${res.status}: ${text.trim()}`);
    return JSON.parse(text);
  };
  return {
    createCall: async (dn) => ((await call('POST', '/calls', { dn })) as { connId: string }).connId,
    releaseCall: async (connId) => {
      await call('DELETE', `/calls/${encodeURIComponent(connId)}`);
    },
    addFault: async (fault) => {
      await call('POST', '/faults', fault);
    },
  };
}
