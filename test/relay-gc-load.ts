/**
 * Run by relay-gc.test.ts under `node --trace-gc-nvp`: the simulator, journal on (as `screencap-cert
 * sim` runs), relays EVENTS events from one sender to one monitor over loopback, then the process
 * exits. The clients write pre-encoded lines and count newlines in the bytes they read, so what the
 * garbage collector finds alive is the simulator's.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startSimulator } from '../src/sim/index.ts';

const EVENTS = Number(process.argv[2] ?? 60_000);
const WINDOW = 64;
const NEWLINE = 0x0a;

const sim = await startSimulator({ adminPort: false });

/** Newlines in `chunk`. */
function linesIn(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) n++;
  return n;
}

/** A client registered, with the DN registered. */
async function client(application: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: sim.port, noDelay: true });
  await once(socket, 'connect');
  socket.write(
    `{"message":"RequestRegisterClient","ReferenceID":1,"ApplicationName":"${application}"}\n` +
      '{"message":"RequestRegisterAddress","ReferenceID":2,"ThisDN":"7001"}\n',
  );
  await new Promise<void>((resolve) => {
    let replies = 0;
    const count = (chunk: Buffer) => {
      replies += linesIn(chunk);
      if (replies < 2) return;
      socket.off('data', count);
      resolve();
    };
    socket.on('data', count);
  });
  return socket;
}

const [sender, monitor] = [await client('gc-sender'), await client('gc-monitor')] as [Socket, Socket];
// Every request the same bytes but its ReferenceID (whose text the sender makes once, up front).
const requests = Array.from(
  { length: 4096 },
  (_, i) =>
    `{"message":"RequestSendEvent","ReferenceID":${i + 3},"ThisDN":"7001","Event":{"message":"EventUserEvent","ThisDN":"7001","UserData":[["screen-capture","start"]]}}\n`,
);
let sent = 0;
let senderLines = 0;
let delivered = 0;
const send = (n: number) => {
  let text = '';
  for (let i = 0; i < n && sent < EVENTS; i++) text += requests[sent++ % requests.length];
  if (text) sender.write(text);
};
const done = new Promise<void>((resolve) => {
  // The sender reads its EventACK and its own copy of each event: each pair frees a slot.
  sender.on('data', (chunk: Buffer) => {
    const before = Math.floor(senderLines / 2);
    senderLines += linesIn(chunk);
    send(Math.floor(senderLines / 2) - before);
  });
  monitor.on('data', (chunk: Buffer) => {
    delivered += linesIn(chunk);
    if (delivered >= EVENTS) resolve();
  });
});
send(WINDOW);
await done;
sender.destroy();
monitor.destroy();
await sim.stop();
