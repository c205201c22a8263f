/** `kluctl-ts diff|deploy|prune|delete|validate`: kluctl's cluster commands on the bundled engine. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { stringify } from 'yaml';
import type { CommandResult, ObjectRef, ValidateResult } from '../kluctl/resultTypes.js';
import { formatCommandResultText, formatValidateResultText } from '../engine/cluster/text.js';
import { refString } from '../kluctl/objectRef.js';
import { parseGoDuration } from '../engine/cluster/hooks.js';
import { compactedResult } from '../kluctl/compactedObjects.js';
import type { WriteResultOptions } from '../kluctl/resultStore.js';
import type { EngineHooks, EngineRunner } from '../engine/worker/request.js';
import { isCancelled } from '../util/errors.js';
import { flagsHelp, parseCommandFlags, UsageError, type FlagSpec, type ParsedFlags } from './flags.js';
import { HELP_FLAG, PROJECT_FLAGS, projectOptions } from './projectFlags.js';
import { CANCELLED_EXIT_CODE, engineOf, type CliOptions, type CliStreams } from './streams.js';

const f = (name: string, kind: FlagSpec['kind'], help: string, short?: string): FlagSpec => ({
  name,
  kind,
  help,
  short,
});
const OUTPUT = [
  f(
    'output',
    'list',
    'Output format and optional file: text, yaml or json, e.g. -o yaml=result.yaml (repeatable)',
    'o',
  ),
  f('no-obfuscate', 'bool', 'Disable obfuscation of sensitive/secret data'),
  f('short-output', 'bool', 'When using the text output format, only list changed objects, no diffs'),
];
const APPLY = [
  f('force-apply', 'bool', 'Force conflict resolution when applying'),
  f('replace-on-error', 'bool', 'When patching an object fails, try to replace it'),
  f('force-replace-on-error', 'bool', 'Same as --replace-on-error, but also delete and re-create the object'),
  f(
    'send-every-apply',
    'bool',
    'kluctl-ts only: in a dry-run, also send the applies proven to change nothing (for webhooks that change objects on every update)',
  ),
];
const YES = f('yes', 'bool', 'Suppresses the confirmation prompt', 'y');
const RESULTS = [
  f(
    'write-command-result',
    'bool',
    'Write the command result to the cluster (default true; --write-command-result=false turns it off)',
  ),
  f('command-result-namespace', 'string', 'The namespace of the command results (default "kluctl-results")'),
  f('keep-command-results-count', 'string', 'How many command results to keep per project and target (default 5)'),
];
const DRY_RUN = f('dry-run', 'bool', 'Performs all requests in dry-run mode');
const NO_WAIT = f('no-wait', 'bool', "Don't wait for objects readiness");

interface CommandSpec {
  summary: string;
  flags: FlagSpec[];
  run(flags: ParsedFlags, ctx: Ctx): Promise<CommandResult | ValidateResult>;
}

interface Ctx {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  io: CliStreams;
  engine: EngineRunner;
  confirm(question: string): Promise<boolean>;
}

/** What every cluster command takes from the flags and the invocation. */
function commonOptions(fl: ParsedFlags, ctx: Ctx) {
  return {
    ...projectOptions(fl, ctx.cwd, ctx.env),
    noObfuscate: !!fl['no-obfuscate'],
  };
}

/** Cancel and progress lines (stderr) of every cluster command. */
function hooks(ctx: Ctx): EngineHooks {
  return { signal: ctx.signal, progress: (m: string) => void ctx.io.stderr.write(`${m}\n`) };
}

export const CLUSTER_COMMANDS: Record<string, CommandSpec> = {
  diff: {
    summary: 'Perform a diff between the locally rendered objects and the cluster',
    flags: [
      ...APPLY,
      f('ignore-tags', 'bool', 'Ignores changes in tags when diffing'),
      f('ignore-labels', 'bool', 'Ignores changes in labels when diffing'),
      f('ignore-annotations', 'bool', 'Ignores changes in annotations when diffing'),
      ...OUTPUT,
    ],
    run: (fl, ctx) =>
      ctx.engine.run(
        {
          command: 'diff',
          options: {
            ...commonOptions(fl, ctx),
            ...applyFlags(fl),
            ignoreTags: !!fl['ignore-tags'],
            ignoreLabels: !!fl['ignore-labels'],
            ignoreAnnotations: !!fl['ignore-annotations'],
          },
        },
        hooks(ctx),
      ),
  },
  deploy: {
    summary: 'Deploys a target to the corresponding cluster',
    flags: [
      YES,
      DRY_RUN,
      ...APPLY,
      f('abort-on-error', 'bool', 'Abort deploying when an error occurs'),
      NO_WAIT,
      f('prune', 'bool', 'Prune orphaned objects directly after deploying'),
      f('readiness-timeout', 'string', 'Maximum time to wait for object readiness (default 5m0s)'),
      ...OUTPUT,
      ...RESULTS,
    ],
    run: (fl, ctx) =>
      ctx.engine.run(
        {
          command: 'deploy',
          options: {
            ...commonOptions(fl, ctx),
            ...applyFlags(fl),
            dryRun: !!fl['dry-run'],
            abortOnError: !!fl['abort-on-error'],
            noWait: !!fl['no-wait'],
            prune: !!fl.prune,
            readinessTimeoutMs: duration(fl['readiness-timeout'] as string | undefined),
            writeResult: resultFlags(fl),
          },
        },
        {
          ...hooks(ctx),
          confirm: fl.yes
            ? undefined
            : async (diff) => {
                ctx.io.stderr.write(formatCommandResultText(diff, { short: !!fl['short-output'] }));
                return ctx.confirm(
                  diff.errors?.length
                    ? 'The diff resulted in errors, do you still want to proceed?'
                    : 'The diff succeeded, do you want to proceed?',
                );
              },
        },
      ),
  },
  prune: {
    summary: 'Searches the target cluster for prunable objects and deletes them',
    flags: [YES, DRY_RUN, NO_WAIT, ...OUTPUT, ...RESULTS],
    run: (fl, ctx) => ctx.engine.run({ command: 'prune', options: removeFlags(fl, ctx) }, removeHooks(fl, ctx)),
  },
  delete: {
    summary: 'Delete a target (or parts of it) from the corresponding cluster',
    flags: [YES, DRY_RUN, NO_WAIT, ...OUTPUT, ...RESULTS],
    run: (fl, ctx) => ctx.engine.run({ command: 'delete', options: removeFlags(fl, ctx) }, removeHooks(fl, ctx)),
  },
  validate: {
    summary: 'Validates the already deployed deployment',
    flags: [f('output', 'list', 'Output format and optional file: text, yaml or json (repeatable)', 'o')],
    run: (fl, ctx) => ctx.engine.run({ command: 'validate', options: commonOptions(fl, ctx) }, hooks(ctx)),
  },
};

function applyFlags(fl: ParsedFlags) {
  return {
    forceApply: !!fl['force-apply'],
    replaceOnError: !!fl['replace-on-error'],
    forceReplaceOnError: !!fl['force-replace-on-error'],
    sendEveryApply: !!fl['send-every-apply'] || undefined,
  };
}

function removeFlags(fl: ParsedFlags, ctx: Ctx) {
  return {
    ...commonOptions(fl, ctx),
    dryRun: !!fl['dry-run'],
    noWait: !!fl['no-wait'],
    writeResult: resultFlags(fl),
  };
}

function removeHooks(fl: ParsedFlags, ctx: Ctx): EngineHooks<'prune' | 'delete'> {
  return {
    ...hooks(ctx),
    confirm: fl.yes
      ? undefined
      : async (refs: ObjectRef[]) => {
          ctx.io.stderr.write(
            `The following objects will be deleted:\n${refs.map((r) => `  ${refString(r)}\n`).join('')}`,
          );
          return ctx.confirm(`Do you really want to delete ${refs.length} objects?`);
        },
  };
}

function resultFlags(fl: ParsedFlags): WriteResultOptions | false {
  if (fl['write-command-result'] === false) return false;
  const keep = fl['keep-command-results-count'] as string | undefined;
  if (keep !== undefined && !/^\d+$/.test(keep))
    throw new UsageError(`invalid --keep-command-results-count "${keep}": a number`);
  return {
    namespace: fl['command-result-namespace'] as string | undefined,
    keep: keep === undefined ? undefined : Number(keep),
  };
}

function duration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text);
  if (ms === undefined) throw new UsageError(`invalid duration "${text}" for --readiness-timeout (e.g. 30s, 5m)`);
  return ms;
}

export function usage(name: string): string {
  const spec = CLUSTER_COMMANDS[name];
  return `Usage: kluctl-ts ${name} [flags]\n\n${spec.summary}.\n\nFlags:\n${flagsHelp([...PROJECT_FLAGS, ...spec.flags, HELP_FLAG])}\n`;
}

export async function runClusterCommand(
  name: string,
  argv: string[],
  io: CliStreams,
  options: CliOptions & {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  } = {},
): Promise<number> {
  const spec = CLUSTER_COMMANDS[name];
  const flags = parseCommandFlags(name, argv, [...PROJECT_FLAGS, ...spec.flags, HELP_FLAG], usage(name), io, (f) => {
    for (const o of (f.output as string[] | undefined) ?? [])
      if (!/^(text|yaml|json)(=.+)?$/.test(o))
        throw new UsageError(`invalid output format ${o}: use text, yaml or json, optionally =file`);
  });
  if (typeof flags === 'number') return flags;
  const cwd = options.cwd ?? process.cwd();
  const stdin = options.stdin ?? process.stdin;
  const ctx: Ctx = {
    cwd,
    env: options.env,
    signal: options.signal,
    io,
    engine: await engineOf(options),
    confirm: async (question) => {
      if (!stdin.isTTY) throw new Error(`${question} (stdin is not a terminal: pass --yes to proceed without asking)`);
      const rl = readline.createInterface({ input: stdin, output: io.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} (y/N) `)).trim());
      } finally {
        rl.close();
      }
    },
  };
  const output = (result: CommandResult | ValidateResult) => {
    for (const o of (flags.output as string[] | undefined) ?? ['text']) {
      const [format, file] = o.split(/=(.*)/s);
      const text = render(result, format, !!flags['short-output']);
      if (file) fs.writeFileSync(path.resolve(cwd, file), text);
      else io.stdout.write(text);
    }
  };
  try {
    const result = await spec.run(flags, ctx);
    output(result);
    if (result.errors?.length) {
      io.stderr.write(`kluctl-ts ${name}: command failed\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (isCancelled(error)) {
      // What a deploy, prune or delete had done when it stopped.
      const partial = error.partial as CommandResult | undefined;
      if (partial?.command) output(partial);
      io.stderr.write(
        `kluctl-ts ${name}: cancelled${partial?.command ? ' (the result above is what was done)' : ''}\n`,
      );
      return CANCELLED_EXIT_CODE;
    }
    io.stderr.write(`kluctl-ts ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

function render(result: CommandResult | ValidateResult, format: string, short: boolean): string {
  if (format === 'json') return JSON.stringify(result, null, 2) + '\n';
  if (format === 'yaml') return stringify('ready' in result ? result : compactedResult(result));
  return 'ready' in result ? formatValidateResultText(result) : formatCommandResultText(result, { short });
}
