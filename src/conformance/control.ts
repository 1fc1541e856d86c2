/**
 * What scenarios ask of the T-Server beyond tlib-json: calls, faults, the configured DN list. The
 * embedded simulator does it in process; an external screencap-cert simulator through its admin API;
 * any other T-Server cannot, and scenarios that need it are not applicable there.
 */

import type { FaultSpec } from '../sim/faults.ts';
import type { Simulator } from '../sim/index.ts';
import type { ClientView } from '../sim/tserver.ts';

/** What the simulator can do to an existing call (docs/call-events.md). */
export type CallChange = 'hold' | 'retrieve' | 'consult' | 'transfer' | 'conference';

export interface SimulatorControl {
  /** Resolves once the DN's registrants have been sent the call event (they may be asked to act on it). */
  createCall(dn: string): Promise<string>;
  releaseCall(connId: string): Promise<void>;
  /** Resolves to the ConnID the change leaves: the consultation call's, the new one after a transfer or conference, else the same. */
  changeCall(connId: string, change: CallChange): Promise<string>;
  addFault(fault: FaultSpec): Promise<void>;
  /** Clears every fault. */
  clearFaults(): Promise<void>;
  /** undefined: not possible on this T-Server. */
  configureDns?(dns: string[] | undefined): Promise<void>;
  /** Turns the simulator's strict mode (`sim --strict`) on or off; undefined: not possible here. */
  strict?(on: boolean): Promise<void>;
  /** Drops the connections of the clients `which` names (their number); undefined: not possible here. */
  disconnect?(which: DisconnectTarget): Promise<number>;
  /** Stops and starts the T-Server on the same port; undefined: not possible here. */
  restart?(): Promise<void>;
  /** Holds the DN registrations of the clients `match` selects by application name, unanswered,
   *  until called with undefined (TServer.parkRegistrations); undefined: not possible here. */
  parkRegistrations?(match: ((application: string | undefined) => boolean) | undefined): Promise<void>;
  /** Journals that the clients `match` selects are about to be restarted (TServer.noteRestart); their number. */
  noteRestart?(match: (application: string | undefined) => boolean): Promise<number>;
}

/** Whose connection to drop: a client by its application name, or those registered on any of some DNs but not the harness's. */
export type DisconnectTarget =
  | { application: string }
  | { registrantOf: readonly string[]; except: (application: string | undefined) => boolean };

/** Whether a client is the one `which` names. */
function targeted(
  which: DisconnectTarget,
  client: { application: string | undefined; dns: Iterable<string> },
) {
  if ('application' in which) return client.application === which.application;
  const dns = new Set(client.dns);
  return which.registrantOf.some((dn) => dns.has(dn)) && !which.except(client.application);
}

/** The embedded simulator, in this process (its engine is a new one after a restart). */
export function inProcessControl(sim: Pick<Simulator, 'tserver' | 'restart'>): SimulatorControl {
  return {
    // Each resolves once the call event has left for the DN's registrants (see TServer.written).
    createCall: async (dn) => {
      const { connId } = sim.tserver.createCall(dn);
      await sim.tserver.written(dn);
      return connId;
    },
    releaseCall: async (connId) => {
      const call = sim.tserver.releaseCall(connId);
      if (!call) throw new Error(`no established call with ConnID ${connId}`);
      await sim.tserver.written(call.dn);
    },
    changeCall: async (connId, change) => {
      const operations: Record<CallChange, (id: string) => { connId: string; dn: string }> = {
        hold: (id) => sim.tserver.holdCall(id),
        retrieve: (id) => sim.tserver.retrieveCall(id),
        consult: (id) => sim.tserver.consultCall(id),
        transfer: (id) => sim.tserver.changeParty(id),
        conference: (id) => sim.tserver.changeParty(id),
      };
      const call = operations[change](connId);
      await sim.tserver.written(call.dn);
      return call.connId;
    },
    addFault: async (fault) => {
      sim.tserver.faults.add(fault);
    },
    clearFaults: async () => {
      sim.tserver.faults.clear();
    },
    configureDns: async (dns) => sim.tserver.configureDns(dns),
    strict: async (on) => {
      sim.tserver.strict = on;
    },
    disconnect: async (which) => sim.tserver.disconnectClients((c) => targeted(which, c)),
    restart: () => sim.restart(),
    parkRegistrations: async (match) => {
      sim.tserver.parkRegistrations(match);
    },
    noteRestart: async (match) => sim.tserver.noteRestart((c) => match(c.application)),
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
  /** The connected clients `match` selects (by GET /connections), for a route per connection. */
  const clients = async (match: (c: { application: string | undefined; dns: string[] }) => boolean) =>
    ((await call('GET', '/connections')) as ClientView[]).filter((c) =>
      match({ application: c.application ?? undefined, dns: c.dns }),
    );
  const eachOf = async (selected: ClientView[], action: 'drop' | 'restarting') => {
    for (const c of selected) await call('POST', `/connections/${c.id}/${action}`);
    return selected.length;
  };
  return {
    createCall: async (dn) => ((await call('POST', '/calls', { dn })) as { connId: string }).connId,
    releaseCall: async (connId) => {
      await call('DELETE', `/calls/${encodeURIComponent(connId)}`);
    },
    changeCall: async (connId, change) =>
      ((await call('POST', `/calls/${encodeURIComponent(connId)}/${change}`)) as { connId: string }).connId,
    addFault: async (fault) => {
      await call('POST', '/faults', fault);
    },
    clearFaults: async () => {
      await call('DELETE', '/faults');
    },
    disconnect: async (which) => eachOf(await clients((c) => targeted(which, c)), 'drop'),
    restart: async () => {
      await call('POST', '/restart');
    },
    // By application name: a client that reconnects keeps it, and its new connection is held too.
    parkRegistrations: async (match) => {
      if (!match) return void (await call('DELETE', '/registrations/hold'));
      const applications = [
        ...new Set((await clients((c) => match(c.application))).flatMap((c) => c.application ?? [])),
      ];
      if (!applications.length)
        throw new Error(
          `no client the scenario names is connected to the simulator at ${adminUrl}: none to hold the registrations of`,
        );
      await call('POST', '/registrations/hold', { applications });
    },
    noteRestart: async (match) => eachOf(await clients((c) => match(c.application)), 'restarting'),
  };
}

/**
 * Why the admin API at `adminUrl` cannot drop connections and restart the T-Server (a bridge to a
 * real T-Server serves calls only; a screencap-cert simulator lists its connections); undefined when it can.
 */
export async function noServiceabilityAt(adminUrl: string): Promise<string | undefined> {
  const url = new URL('/connections', adminUrl);
  const res = await fetch(url).catch((e: Error) => e);
  if (res instanceof Error) return `GET ${url} failed: ${res.message}`;
  await res.body?.cancel();
  return res.ok ? undefined : `GET ${url} answered ${res.status}`;
}
