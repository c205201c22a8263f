/**
 * A minimal WASI preview1 host for helm.wasm: one directory, read-only, nothing else. Written here instead of using
 * node:wasi, which crashed Node 20 intermittently (SIGSEGV) when one compiled module was instantiated several times
 * in a process (nodejs/node#52402, #53087), prints an "experimental" warning, and grants write access to preopens.
 *
 * - fd 3 is the preopened directory (named `guestRoot`); paths resolve inside it only: `..` beyond the root and
 *   symlinks that lead outside it (resolved on the host) are refused.
 * - Files and directories open for reading only; every call that would write, create or delete fails with EROFS.
 * - stdout and stderr are discarded (the first 4 KiB of stderr are kept for error messages); stdin is empty.
 * - No arguments beyond the program name, no environment, no sockets.
 */

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const E = {
  SUCCESS: 0,
  BADF: 8,
  INVAL: 28,
  IO: 29,
  ISDIR: 31,
  NOENT: 44,
  NOSYS: 52,
  NOTDIR: 54,
  ROFS: 69,
  NOTCAPABLE: 76,
} as const;

const FILETYPE = { UNKNOWN: 0, CHAR: 2, DIR: 3, FILE: 4, SYMLINK: 7 } as const;
const ALL_RIGHTS = 0xffff_ffff_ffff_ffffn;

export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface OpenFile {
  /** Host path, for directories and files. */
  host: string;
  dir: boolean;
  fd?: number;
  position: bigint;
  entries?: fs.Dirent[];
}

const errno = (error: unknown): number => {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return E.NOENT;
    case 'ENOTDIR':
      return E.NOTDIR;
    case 'EISDIR':
      return E.ISDIR;
    case 'EBADF':
      return E.BADF;
    case 'EINVAL':
      return E.INVAL;
    default:
      return E.IO;
  }
};

const filetype = (s: fs.Stats): number =>
  s.isDirectory()
    ? FILETYPE.DIR
    : s.isFile()
      ? FILETYPE.FILE
      : s.isSymbolicLink()
        ? FILETYPE.SYMLINK
        : FILETYPE.UNKNOWN;

export class ReadOnlyWasi {
  private memory?: { buffer: ArrayBuffer };
  private readonly files = new Map<number, OpenFile>();
  private nextFd = 4;
  private realRoot: string;
  private stderrHead = '';
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    hostRoot: string,
    private readonly guestRoot: string,
    private readonly args: string[] = ['wasm'],
  ) {
    this.realRoot = fs.realpathSync(hostRoot);
    this.files.set(3, { host: this.realRoot, dir: true, position: 0n });
  }

  /** The first bytes the module wrote to stderr (a Go panic message, for instance). */
  get stderr(): string {
    return this.stderrHead;
  }

  /** Closes every file the module left open. */
  dispose(): void {
    for (const f of this.files.values()) if (f.fd !== undefined) fs.closeSync(f.fd);
    this.files.clear();
  }

  /**
   * Makes `hostRoot` the preopened directory (the module's paths under `guestRoot` now lead there, and nowhere
   * else): every other file is closed and what stderr held is dropped, as for a new instance.
   */
  rebase(hostRoot: string): void {
    const realRoot = fs.realpathSync(hostRoot);
    this.dispose();
    this.realRoot = realRoot;
    this.files.set(3, { host: realRoot, dir: true, position: 0n });
    this.nextFd = 4;
    this.stderrHead = '';
  }

  initialize(instance: { exports: Record<string, unknown> }): void {
    this.memory = instance.exports.memory as { buffer: ArrayBuffer };
    (instance.exports._initialize as (() => void) | undefined)?.();
  }

  private view(): DataView {
    return new DataView(this.memory!.buffer);
  }
  private bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory!.buffer, ptr, len);
  }
  private str(ptr: number, len: number): string {
    return Buffer.from(this.bytes(ptr, len)).toString('utf8');
  }
  private writeStrings(list: string[], ptrs: number, buf: number): number {
    const v = this.view();
    let at = buf;
    list.forEach((s, i) => {
      const b = Buffer.from(`${s}\0`, 'utf8');
      this.bytes(at, b.length).set(b);
      v.setUint32(ptrs + i * 4, at, true);
      at += b.length;
    });
    return E.SUCCESS;
  }
  private sizes(list: string[], countPtr: number, sizePtr: number): number {
    const v = this.view();
    v.setUint32(countPtr, list.length, true);
    v.setUint32(
      sizePtr,
      list.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0),
      true,
    );
    return E.SUCCESS;
  }

  /** Host path of `p` under the directory fd, or an errno when it would leave the root. */
  private resolve(dirFd: number, p: string, follow: boolean): string | number {
    const dir = this.files.get(dirFd);
    if (!dir?.dir) return E.BADF;
    if (p.startsWith('/') || p.includes('\0')) return E.NOTCAPABLE;
    const host = path.resolve(dir.host, p);
    const rel = path.relative(this.realRoot, host);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return E.NOTCAPABLE;
    // Symlinks on the way (and at the end, when followed) must stay inside the root.
    let real: string;
    try {
      real = follow ? fs.realpathSync(host) : path.join(fs.realpathSync(path.dirname(host)), path.basename(host));
    } catch (error) {
      return errno(error);
    }
    const realRel = path.relative(this.realRoot, real);
    if (realRel.startsWith('..') || path.isAbsolute(realRel)) return E.NOTCAPABLE;
    return real;
  }

  private writeFilestat(ptr: number, s: fs.BigIntStats, type?: number): void {
    const v = this.view();
    v.setBigUint64(ptr, s.dev, true);
    v.setBigUint64(ptr + 8, s.ino, true);
    v.setUint8(ptr + 16, type ?? filetype(s as unknown as fs.Stats));
    v.setBigUint64(ptr + 24, s.nlink, true);
    v.setBigUint64(ptr + 32, s.size, true);
    v.setBigUint64(ptr + 40, s.atimeNs, true);
    v.setBigUint64(ptr + 48, s.mtimeNs, true);
    v.setBigUint64(ptr + 56, s.ctimeNs, true);
  }

  private readInto(f: OpenFile, iovs: number, iovsLen: number, at: bigint): number {
    const v = this.view();
    let total = 0;
    for (let i = 0; i < iovsLen; i++) {
      const ptr = v.getUint32(iovs + i * 8, true);
      const len = v.getUint32(iovs + i * 8 + 4, true);
      const n = fs.readSync(f.fd!, this.bytes(ptr, len), 0, len, at + BigInt(total));
      total += n;
      if (n < len) break;
    }
    return total;
  }

  imports(): Record<string, Record<string, (...a: never[]) => number>> {
    const w = {
      args_get: (argv: number, buf: number) => this.writeStrings(this.args, argv, buf),
      args_sizes_get: (count: number, size: number) => this.sizes(this.args, count, size),
      environ_get: (envp: number, buf: number) => this.writeStrings([], envp, buf),
      environ_sizes_get: (count: number, size: number) => this.sizes([], count, size),
      clock_time_get: (id: number, _precision: bigint, out: number) => {
        const t = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
        this.view().setBigUint64(out, t, true);
        return E.SUCCESS;
      },
      random_get: (buf: number, len: number) => {
        crypto.randomFillSync(this.bytes(buf, len));
        return E.SUCCESS;
      },
      proc_exit: (code: number): number => {
        throw new WasiExit(code);
      },
      sched_yield: () => E.SUCCESS,
      poll_oneoff: (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number) => {
        const v = this.view();
        let sleepNs = -1n;
        for (let i = 0; i < nsubs; i++) {
          const s = inPtr + i * 48;
          if (v.getUint8(s + 8) !== 0) continue; // fd readiness: always ready
          const timeout = v.getBigUint64(s + 24, true);
          const absolute = (v.getUint16(s + 40, true) & 1) === 1;
          const rel = absolute ? timeout - process.hrtime.bigint() : timeout;
          if (sleepNs < 0n || rel < sleepNs) sleepNs = rel;
        }
        // The module has nothing to do until its next timer: sleep (bounded), as a blocking host would.
        if (sleepNs > 0n) Atomics.wait(this.sleeper, 0, 0, Math.min(Number(sleepNs / 1_000_000n), 1000));
        for (let i = 0; i < nsubs; i++) {
          const s = inPtr + i * 48;
          const e = outPtr + i * 32;
          v.setBigUint64(e, v.getBigUint64(s, true), true);
          v.setUint16(e + 8, 0, true);
          v.setUint8(e + 10, v.getUint8(s + 8));
          v.setBigUint64(e + 16, 0n, true);
          v.setUint16(e + 24, 0, true);
        }
        v.setUint32(neventsPtr, nsubs, true);
        return E.SUCCESS;
      },
      fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number) => {
        if (fd !== 1 && fd !== 2) return this.files.has(fd) ? E.ROFS : E.BADF;
        const v = this.view();
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = v.getUint32(iovs + i * 8, true);
          const len = v.getUint32(iovs + i * 8 + 4, true);
          if (fd === 2 && this.stderrHead.length < 4096)
            this.stderrHead = (this.stderrHead + this.str(ptr, len)).slice(0, 4096);
          total += len;
        }
        v.setUint32(nwritten, total, true);
        return E.SUCCESS;
      },
      fd_pwrite: () => E.ROFS,
      fd_read: (fd: number, iovs: number, iovsLen: number, nread: number) => {
        if (fd === 0) return (this.view().setUint32(nread, 0, true), E.SUCCESS);
        const f = this.files.get(fd);
        if (!f || f.fd === undefined) return f?.dir ? E.ISDIR : E.BADF;
        try {
          const n = this.readInto(f, iovs, iovsLen, f.position);
          f.position += BigInt(n);
          this.view().setUint32(nread, n, true);
          return E.SUCCESS;
        } catch (error) {
          return errno(error);
        }
      },
      fd_pread: (fd: number, iovs: number, iovsLen: number, offset: bigint, nread: number) => {
        const f = this.files.get(fd);
        if (!f || f.fd === undefined) return f?.dir ? E.ISDIR : E.BADF;
        try {
          this.view().setUint32(nread, this.readInto(f, iovs, iovsLen, offset), true);
          return E.SUCCESS;
        } catch (error) {
          return errno(error);
        }
      },
      fd_seek: (fd: number, offset: bigint, whence: number, out: number) => {
        const f = this.files.get(fd);
        if (!f || f.fd === undefined) return E.BADF;
        const base = whence === 0 ? 0n : whence === 1 ? f.position : fs.fstatSync(f.fd, { bigint: true }).size;
        const next = base + offset;
        if (next < 0n) return E.INVAL;
        f.position = next;
        this.view().setBigUint64(out, next, true);
        return E.SUCCESS;
      },
      fd_close: (fd: number) => {
        const f = this.files.get(fd);
        if (!f || fd === 3) return fd <= 2 ? E.SUCCESS : E.BADF;
        if (f.fd !== undefined) fs.closeSync(f.fd);
        this.files.delete(fd);
        return E.SUCCESS;
      },
      fd_sync: () => E.SUCCESS,
      fd_filestat_set_size: () => E.ROFS,
      fd_fdstat_get: (fd: number, out: number) => {
        const v = this.view();
        const f = this.files.get(fd);
        if (fd > 2 && !f) return E.BADF;
        v.setUint8(out, fd <= 2 ? FILETYPE.CHAR : f!.dir ? FILETYPE.DIR : FILETYPE.FILE);
        v.setUint16(out + 2, 0, true);
        v.setBigUint64(out + 8, ALL_RIGHTS, true);
        v.setBigUint64(out + 16, ALL_RIGHTS, true);
        return E.SUCCESS;
      },
      fd_fdstat_set_flags: () => E.SUCCESS,
      fd_filestat_get: (fd: number, out: number) => {
        const f = this.files.get(fd);
        if (!f) {
          if (fd > 2) return E.BADF;
          this.view().setUint8(out + 16, FILETYPE.CHAR);
          return E.SUCCESS;
        }
        try {
          const s = f.fd !== undefined ? fs.fstatSync(f.fd, { bigint: true }) : fs.statSync(f.host, { bigint: true });
          this.writeFilestat(out, s);
          return E.SUCCESS;
        } catch (error) {
          return errno(error);
        }
      },
      fd_prestat_get: (fd: number, out: number) => {
        if (fd !== 3) return E.BADF;
        const v = this.view();
        v.setUint8(out, 0);
        v.setUint32(out + 4, Buffer.byteLength(this.guestRoot), true);
        return E.SUCCESS;
      },
      fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
        if (fd !== 3) return E.BADF;
        this.bytes(ptr, len).set(Buffer.from(this.guestRoot).subarray(0, len));
        return E.SUCCESS;
      },
      fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, used: number) => {
        const f = this.files.get(fd);
        if (!f?.dir) return E.NOTDIR;
        try {
          f.entries ??= fs.readdirSync(f.host, { withFileTypes: true });
        } catch (error) {
          return errno(error);
        }
        const out = Buffer.alloc(bufLen);
        let at = 0;
        for (let i = Number(cookie); i < f.entries.length && at < bufLen; i++) {
          const e = f.entries[i];
          const name = Buffer.from(e.name, 'utf8');
          const entry = Buffer.alloc(24 + name.length);
          entry.writeBigUInt64LE(BigInt(i + 1), 0);
          entry.writeBigUInt64LE(0n, 8);
          entry.writeUInt32LE(name.length, 16);
          entry.writeUInt8(
            e.isDirectory() ? FILETYPE.DIR : e.isFile() ? FILETYPE.FILE : e.isSymbolicLink() ? FILETYPE.SYMLINK : 0,
            20,
          );
          name.copy(entry, 24);
          at += entry.copy(out, at);
        }
        this.bytes(buf, bufLen).set(out);
        this.view().setUint32(used, Math.min(at, bufLen), true);
        return E.SUCCESS;
      },
      path_filestat_get: (fd: number, flags: number, p: number, len: number, out: number) => {
        const host = this.resolve(fd, this.str(p, len), (flags & 1) === 1);
        if (typeof host === 'number') return host;
        try {
          this.writeFilestat(out, fs.lstatSync(host, { bigint: true }));
          return E.SUCCESS;
        } catch (error) {
          return errno(error);
        }
      },
      path_readlink: (fd: number, p: number, len: number, buf: number, bufLen: number, used: number) => {
        const host = this.resolve(fd, this.str(p, len), false);
        if (typeof host === 'number') return host;
        try {
          const target = Buffer.from(fs.readlinkSync(host), 'utf8').subarray(0, bufLen);
          this.bytes(buf, target.length).set(target);
          this.view().setUint32(used, target.length, true);
          return E.SUCCESS;
        } catch (error) {
          return errno(error);
        }
      },
      path_open: (
        fd: number,
        dirflags: number,
        p: number,
        len: number,
        oflags: number,
        _rights: bigint,
        _inheriting: bigint,
        fdflags: number,
        out: number,
      ) => {
        // O_CREAT, O_EXCL, O_TRUNC; APPEND, DSYNC, RSYNC, SYNC: nothing may be written.
        if ((oflags & 0b1101) !== 0 || (fdflags & 0b11011) !== 0) return E.ROFS;
        const host = this.resolve(fd, this.str(p, len), (dirflags & 1) === 1);
        if (typeof host === 'number') return host;
        try {
          const s = fs.statSync(host);
          if ((oflags & 2) !== 0 && !s.isDirectory()) return E.NOTDIR;
          const file: OpenFile = s.isDirectory()
            ? { host, dir: true, position: 0n }
            : { host, dir: false, fd: fs.openSync(host, 'r'), position: 0n };
          const n = this.nextFd++;
          this.files.set(n, file);
          this.view().setUint32(out, n, true);
          return E.SUCCESS;
        } catch (error) {
          return errno(error);
        }
      },
      path_remove_directory: () => E.ROFS,
      path_symlink: () => E.ROFS,
      path_unlink_file: () => E.ROFS,
      sock_accept: () => E.NOSYS,
      sock_shutdown: () => E.NOSYS,
    };
    return { wasi_snapshot_preview1: w };
  }
}
