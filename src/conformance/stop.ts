/**
 * Stopping a run that cannot go on (the system under test died) rather than letting every
 * remaining scenario time out: whoever notices says why; the front end running the suite (in this
 * process) reports what ran and ends the run.
 */
import { EventEmitter } from 'node:events';

const stops = new EventEmitter<{ stop: [reason: string] }>();

export function stopRun(reason: string): void {
  stops.emit('stop', reason);
}

/** Calls `listener` on the first stop; returns the unsubscribe function. */
export function onRunStop(listener: (reason: string) => void): () => void {
  stops.once('stop', listener);
  return () => stops.off('stop', listener);
}

let halted = false;

/** No scenario starts from now on: the run is being reported as it stands. */
export function haltScenarios(): void {
  halted = true;
}

/** Resolves at once, or never once the run is halted (so a stopped run's evidence stops changing). */
export function untilHalted(): Promise<void> {
  return halted ? new Promise(() => {}) : Promise.resolve();
}
