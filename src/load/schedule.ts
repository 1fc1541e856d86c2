/**
 * Open-loop pacing: `fire()` `rate` times a second for `durationMs`. Each tick (timers give about
 * 1 ms) fires every call that has come due, so a late tick catches up instead of quietly lowering the
 * offered rate, and a slow receiver cannot slow the sender (no coordinated omission).
 */
export interface PaceResult {
  fired: number;
  elapsedMs: number;
}

export function fireAtRate(rate: number, durationMs: number, fire: () => void): Promise<PaceResult> {
  const total = Math.round((rate * durationMs) / 1000);
  const start = performance.now();
  let fired = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      for (; fired < due; fired++) fire();
      if (fired >= total) resolve({ fired, elapsedMs: performance.now() - start });
      else setTimeout(tick, 1);
    };
    tick();
  });
}
