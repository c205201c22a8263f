/** A small pflag-like parser: `--name value`, `--name=value`, `-n value`, `-nvalue`, `-n=value`, repeatable lists. */

import type { CliStreams } from './streams.js';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: 'string' | 'list' | 'bool';
  help: string;
}

export class UsageError extends Error {}

export type ParsedFlags = Record<string, string | string[] | boolean | undefined>;

export function parseFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag --${name}`);
      if (eq >= 0) inline = arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1) {
      spec = byShort.get(arg[1]);
      if (!spec) throw new UsageError(`unknown shorthand flag '${arg[1]}' in ${arg}`);
      if (arg.length > 2) inline = arg[2] === '=' ? arg.slice(3) : arg.slice(2);
    } else {
      positional.push(arg);
      continue;
    }
    if (spec.kind === 'bool') {
      if (inline !== undefined && !['true', 'false'].includes(inline))
        throw new UsageError(`invalid value "${inline}" for --${spec.name}`);
      flags[spec.name] = inline !== 'false';
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${spec.name}`);
      value = argv[++i];
    }
    if (spec.kind === 'list') flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
    else flags[spec.name] = value;
  }
  return { flags, positional };
}

export function flagsHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'bool' ? '' : ' string'}`;
      // A long flag (--helm-insecure-skip-tls-verify) keeps two spaces before its help.
      return `  ${left.padEnd(38)}${left.length >= 38 ? '  ' : ''}${s.help}`;
    })
    .join('\n');
}

/**
 * A command's flags as every kluctl-ts command takes them: no positional arguments, `check` for further rules. A
 * usage error (exit code 2) or `--help` (0) is written to `io` with the usage, and its exit code returned instead.
 */
export function parseCommandFlags(
  command: string,
  argv: readonly string[],
  specs: readonly FlagSpec[],
  usage: string,
  io: CliStreams,
  check?: (flags: ParsedFlags) => void,
): ParsedFlags | number {
  let flags: ParsedFlags;
  try {
    const parsed = parseFlags(argv, specs);
    if (parsed.positional.length) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
    flags = parsed.flags;
    check?.(flags);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`kluctl-ts ${command}: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(usage);
    return 0;
  }
  return flags;
}
