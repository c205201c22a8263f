import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** One row of the bench table: the same measure for kluctl (when it has one) and for this project. */
export interface BenchRow {
  area: string;
  measure: string;
  kluctl?: string;
  ours: string;
  /** "2.4× faster", "1.3× less memory", … */
  ratio?: string;
}

export interface ProcessSample {
  ms: number;
  /** Peak resident memory, when /usr/bin/time is available. */
  maxRssMiB?: number;
}

const TIME = '/usr/bin/time';

/** Runs a process to completion and measures wall time and peak RSS; a non-zero exit is an error. */
export function runMeasured(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ProcessSample> {
  const withTime = fs.existsSync(TIME);
  const [cmd, argv] = withTime ? [TIME, ['-f', '__maxrss=%M', file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(
      cmd,
      argv,
      { env: options.env, cwd: options.cwd, maxBuffer: 256 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        const ms = performance.now() - started;
        if (error) return reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr.slice(-2000)}`));
        const rss = /__maxrss=(\d+)/.exec(stderr);
        resolve({ ms, maxRssMiB: rss ? Number(rss[1]) / 1024 : undefined });
      },
    );
  });
}

/** The median of n samples (by time); its peak memory is the largest seen. */
export async function medianOf(n: number, run: () => Promise<ProcessSample | void>): Promise<ProcessSample> {
  const samples: ProcessSample[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const s = await run();
    samples.push(s ?? { ms: performance.now() - started });
  }
  const sorted = [...samples].sort((a, b) => a.ms - b.ms);
  const rss = samples.map((s) => s.maxRssMiB).filter((x): x is number => x !== undefined);
  return { ms: sorted[Math.floor(n / 2)].ms, maxRssMiB: rss.length ? Math.max(...rss) : undefined };
}

export const ms = (x: number) => `${x.toFixed(0)} ms`;
export const mib = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(0)} MiB`);
export const faster = (base: number, ours: number) =>
  `${(base / ours).toFixed(1)}× ${base >= ours ? 'faster' : 'slower'}`;
export const lessMemory = (base: number | undefined, ours: number | undefined) =>
  base === undefined || ours === undefined
    ? undefined
    : base >= ours
      ? `${(base / ours).toFixed(1)}× less memory`
      : `${(ours / base).toFixed(1)}× more memory`;
