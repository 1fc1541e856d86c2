/**
 * A tlib-json client for load generation. It registers through the real protocol
 * (RequestRegisterClient, RequestRegisterAddress), then writes pre-encoded lines and hands received
 * lines over per socket read, reading only their `message` name, so the generator is not what a
 * benchmark measures. (TlibLink journals and validates every message: right for conformance, too
 * slow to saturate a server from the same two cores.)
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** Lines received in one socket read, without their newlines. */
export type LinesListener = (lines: string[]) => void;

const MESSAGE_PREFIX = '{"message":"';

/** The `message` of an encoded line: read from the front when it comes first (it does from our servers). */
export function messageOf(line: string): string {
  if (line.startsWith(MESSAGE_PREFIX))
    return line.slice(MESSAGE_PREFIX.length, line.indexOf('"', MESSAGE_PREFIX.length));
  return String((JSON.parse(line) as { message?: unknown }).message);
}

export class WireClient {
  onLines: LinesListener = () => {};
  private rest = '';
  private nextRef = 1;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const lines = (this.rest + text).split('\n');
      this.rest = lines.pop() ?? '';
      if (lines.length) this.onLines(lines);
    });
    socket.on('error', () => {});
  }

  static async connect(host: string, port: number): Promise<WireClient> {
    const socket = connect({ host, port, noDelay: true });
    await once(socket, 'connect');
    return new WireClient(socket);
  }

  /** A fresh ReferenceID (1..2^31-1, wrapping). */
  ref(): number {
    const ref = this.nextRef;
    this.nextRef = (ref % (2 ** 31 - 1)) + 1;
    return ref;
  }

  /** RequestRegisterClient, then RequestRegisterAddress for each DN; rejects unless every reply is success. */
  async register(application: string, dns: readonly string[]): Promise<void> {
    const requests = [
      { message: 'RequestRegisterClient', ReferenceID: this.ref(), ApplicationName: application },
      ...dns.map((dn) => ({ message: 'RequestRegisterAddress', ReferenceID: this.ref(), ThisDN: dn })),
    ];
    const expected = ['EventClientRegistered', ...dns.map(() => 'EventRegistered')];
    const replies = new Promise<string[]>((resolve) => {
      const got: string[] = [];
      this.onLines = (lines) => {
        got.push(...lines);
        if (got.length >= expected.length) resolve(got);
      };
    });
    this.write(requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const got = await replies;
    this.onLines = () => {};
    got.forEach((line, i) => {
      if (messageOf(line) !== expected[i])
        throw new Error(`${application}: expected ${expected[i]}, got ${line}`);
    });
  }

  /** One RequestSendEvent line delivering EventUserEvent with `userData` on `dn`. */
  sendEventLine(dn: string, userData: ReadonlyArray<readonly [string, string]>): string {
    const event = { message: 'EventUserEvent', ThisDN: dn, UserData: userData };
    return `${JSON.stringify({ message: 'RequestSendEvent', ReferenceID: this.ref(), ThisDN: dn, Event: event })}\n`;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}
