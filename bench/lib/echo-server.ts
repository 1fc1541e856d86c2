/**
 * The baseline: a bare loopback NDJSON echo server. Each line is parsed and re-encoded (the least any
 * JSON-lines relay does); what one read brings is written back in one write. No protocol logic.
 */
import { createServer, type Server } from 'node:net';

const NEWLINE = 0x0a;

export function createEchoServer(): Server {
  return createServer({ noDelay: true }, (socket) => {
    let rest: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      const data = rest ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      let out = '';
      for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
        const message: unknown = JSON.parse(data.toString('utf8', start, nl));
        out += `${JSON.stringify(message)}\n`;
        start = nl + 1;
      }
      if (out) socket.write(out);
      rest = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
    });
    socket.on('error', () => {});
  });
}
