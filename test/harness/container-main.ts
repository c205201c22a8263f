/**
 * Runs a command the way a container runtime would for a simulated Pod: its output goes to a plain log file and,
 * as CRI log lines (`<time> stdout|stderr F <text>`), to the file kwok serves as the container's logs; and the
 * Pod's network: `<pod IP>:<container port>=<local port>` forwards connections to the Pod's IP (a loopback
 * address, see kwok.ts) to the command listening on 127.0.0.1:<local port> ("-" for none).
 * Usage: node container-main.js <plain log> <CRI log> <forward|-> <command> [args...]
 * It stays in the foreground until the command exits and forwards SIGTERM/SIGINT to it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

/** A line of a container log file as a container runtime writes it, which kwok's logs endpoint parses. */
function criLogLine(text: string, stream: 'stdout' | 'stderr'): string {
  return `${new Date().toISOString()} ${stream} F ${text}\n`;
}

const [plainLog, criLog, forward, command, ...args] = process.argv.slice(2);
if (!plainLog || !criLog || !forward || !command) {
  process.stderr.write('usage: container-main <plain log> <CRI log> <podIP:port=localPort|-> <command> [args...]\n');
  process.exit(2);
}
if (forward !== '-') {
  const match = /^(127\.\d+\.\d+\.\d+):(\d+)=(\d+)$/.exec(forward);
  if (!match) {
    process.stderr.write(`container-main: bad forward "${forward}" (want 127.x.y.z:port=localPort)\n`);
    process.exit(2);
  }
  const [, podIp, podPort, localPort] = match;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(localPort), '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    for (const [a, b] of [
      [inbound, outbound],
      [outbound, inbound],
    ]) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  server.on('error', (error) => {
    process.stderr.write(`container-main: cannot listen on the Pod address ${podIp}:${podPort}: ${error.message}\n`);
    process.exit(1);
  });
  server.listen(Number(podPort), podIp);
  server.unref();
}
const plain = fs.openSync(plainLog, 'a');
const cri = fs.openSync(criLog, 'a');
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });

function pipeLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    fs.writeSync(plain, chunk);
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    if (lines.length > 0) fs.writeSync(cri, lines.map((l) => criLogLine(l, name)).join(''));
  });
  stream.on('end', () => {
    if (pending) fs.writeSync(cri, criLogLine(pending, name));
  });
}
pipeLines(child.stdout, 'stdout');
pipeLines(child.stderr, 'stderr');

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  fs.writeSync(plain, `[container] failed to start ${command}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 128 : 1);
});
