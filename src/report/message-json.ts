/**
 * Each message's JSON, made once for a scenario's diagram (its tooltips) and its trace alike: the
 * two together stringified every message twice, the better part of writing a busy log's evidence.
 */
import { jsonOf } from '../tlib/depth.ts';
import type { WireMessage } from '../tlib/messages.ts';

export class MessageJson {
  private readonly made = new Map<WireMessage, string>();

  /** Remembers at most `kept` messages' JSON (the diagram's rows): a scenario may hold millions. */
  constructor(private readonly kept: number) {}

  readonly of = (message: WireMessage): string => {
    let json = this.made.get(message);
    if (json === undefined) {
      json = jsonOf(message);
      if (this.made.size < this.kept) this.made.set(message, json);
    }
    return json;
  };
}
