import * as fs from 'node:fs';
import { startedGroups } from './processes.js';

/**
 * What would keep this Node process alive, or outlive it, after the last test: the proof behind running mocha
 * without `--exit`. Linux only for the process part (it reads /proc); elsewhere that part reports nothing.
 */

interface Handle {
  constructor: { name: string };
  _handle?: { constructor: { name: string } } | null;
  fd?: number;
  pid?: number;
  spawnargs?: string[];
  address?: () => unknown;
  remoteAddress?: string;
  remotePort?: number;
  localPort?: number;
}

/** The handles (servers, sockets, child processes, watchers) that keep the event loop alive, stdio excepted. */
function liveHandles(): Handle[] {
  const handles = (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles();
  const stdio = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  return handles.filter((h) => !stdio.has(h) && !(h.fd !== undefined && h.fd >= 0 && h.fd <= 2));
}

function describeHandle(h: Handle): string {
  const kind = h.constructor.name;
  if (h.pid !== undefined && h.spawnargs) return `${kind} pid ${h.pid}: ${h.spawnargs.join(' ').slice(0, 200)}`;
  if (kind === 'Server' && h.address) return `${kind} listening on ${JSON.stringify(h.address())}`;
  if (h.remoteAddress) return `${kind} ${h.localPort ?? '?'} -> ${h.remoteAddress}:${h.remotePort ?? '?'}`;
  return `${kind} (${h._handle?.constructor.name ?? 'no handle'})`;
}

/** Resource types of the handles that process._getActiveHandles() lists. */
const HANDLE_TYPES = /^(TTY|Pipe|PipeServer|PipeSocket|TCP|TCPServer|TCPSocket|UDP|Process|FSEvent|Signal)Wrap$/;

/**
 * Descriptions of everything still holding the event loop: handles by what they are, and the other resources
 * (timers, pending fs requests, immediates) by type. `except` names resource types the caller itself holds.
 */
export function liveResources(except: string[] = []): string[] {
  // Handles (stdio included) also appear in the resource list by type; they are described above instead.
  const rest = process.getActiveResourcesInfo().filter((type) => !HANDLE_TYPES.test(type));
  for (const type of except) {
    const i = rest.indexOf(type);
    if (i >= 0) rest.splice(i, 1);
  }
  return [...liveHandles().map(describeHandle), ...rest];
}

/** Processes that are children of this one, or members of a process group the harness started. */
export function liveChildProcesses(): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const pid of entries) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses, so split after its last ')'.
    const close = stat.lastIndexOf(')');
    const [state, ppid, pgrp] = stat.slice(close + 2).split(' ');
    if (state === 'Z' && Number(ppid) === process.pid) continue; // exited, only not yet reaped
    if (Number(ppid) === process.pid || startedGroups.has(Number(pgrp))) {
      let cmdline = '';
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        // gone meanwhile
      }
      found.push(`pid ${pid}: ${(cmdline || stat.slice(stat.indexOf('(') + 1, close)).slice(0, 200)}`);
    }
  }
  return found;
}

/** Waits (bounded) until nothing is left, then returns what still is: empty when the run cleaned up after itself. */
export async function leftovers(options: { timeoutMs: number; except?: string[] }): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const left = [
      ...liveResources(options.except).map((r) => `resource: ${r}`),
      ...liveChildProcesses().map((p) => `process: ${p}`),
    ];
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
