/**
 * One engine command as plain data (what crosses the worker boundary), and its in-process execution. The
 * callbacks of the engine's options (signal, progress, confirm) are not data: they travel as hooks, which the
 * worker turns into messages.
 */

import type { CommandResult, ObjectRef, ValidateResult } from '../../kluctl/resultTypes.js';
import { CancelledError } from '../../util/errors.js';
import type { CommandOptions, DeleteOptions, DeployOptions, diffProject } from '../cluster/commands.js';
import type { SeenImage } from '../postprocess/images.js';
import { printAll } from '../render/print.js';
import { loadKluctlProject } from '../deployment/kluctl-project.js';
import type { Target } from '../project/types.js';
import { renderProject, type RenderProjectOptions } from '../render/render-project.js';
import type { AnalyzeOptions, ProjectAnalysis } from '../insight/analyze.js';
import type { PreviewOptions, PreviewResult } from '../insight/preview.js';

/**
 * `analyze` and `preview` are the editor's (diagnostics, variables, rendered preview; offline); `targets` is
 * `.kluctl.yaml`'s rendered targets (`list-targets`: its templates are project input, so they run here too).
 */
export type EngineCommand =
  'render' | 'diff' | 'deploy' | 'prune' | 'delete' | 'validate' | 'analyze' | 'preview' | 'targets';

/** Options minus the callbacks: structured-clone safe. */
type Data<T> = Omit<T, 'signal' | 'progress' | 'confirm'>;

interface OptionsByCommand {
  render: Data<RenderProjectOptions>;
  diff: Data<Parameters<typeof diffProject>[0]>;
  deploy: Data<DeployOptions>;
  prune: Data<DeleteOptions>;
  delete: Data<DeleteOptions>;
  validate: Data<CommandOptions>;
  analyze: Data<AnalyzeOptions>;
  preview: Data<PreviewOptions>;
  targets: { projectDir: string; projectConfig?: string };
}

export interface RenderOutput {
  warnings: string[];
  /** Set when renderOutputDir was given. */
  renderDir?: string;
  /** All objects as `kluctl render --print-all` writes them, when asked for with `print`. */
  printed?: string;
  /** Every `images.get_image()` call, sorted by image (`kluctl list-images`). */
  images: SeenImage[];
}

interface OutputByCommand {
  render: RenderOutput;
  diff: CommandResult;
  deploy: CommandResult;
  prune: CommandResult;
  delete: CommandResult;
  validate: ValidateResult;
  analyze: ProjectAnalysis;
  preview: PreviewResult;
  targets: { targets: Target[]; warnings: string[] };
}

interface ConfirmByCommand {
  render: never;
  diff: never;
  validate: never;
  analyze: never;
  preview: never;
  targets: never;
  /** The dry-run preview. */
  deploy: CommandResult;
  /** The objects about to be deleted. */
  prune: ObjectRef[];
  delete: ObjectRef[];
}

export type EngineOutput<C extends EngineCommand> = OutputByCommand[C];

export interface EngineRequest<C extends EngineCommand = EngineCommand> {
  command: C;
  options: OptionsByCommand[C];
  /** render: also print the objects (the rendered objects themselves stay in the worker). */
  print?: boolean;
}

export interface EngineHooks<C extends EngineCommand = EngineCommand> {
  signal?: AbortSignal;
  progress?: (message: string) => void;
  /** deploy, prune, delete: asked before anything changes; false stops the command with the error "aborted". */
  confirm?: (subject: ConfirmByCommand[C]) => Promise<boolean>;
}

/** Runs engine commands: in this thread (tests, library use) or in a worker (the editor and the CLI). */
export interface EngineRunner {
  run<C extends EngineCommand>(request: EngineRequest<C>, hooks?: EngineHooks<C>): Promise<EngineOutput<C>>;
}

/**
 * The cluster commands' modules, imported by the first command that needs them: a render (the CLI's most frequent
 * command, in a fresh worker each time) does not initialise them, nor the insight modules.
 */
const clusterCommands = () => import('../cluster/commands.js');

/** The command, in this thread; a cancellation is a CancelledError carrying what a deploy/prune/delete did. */
export async function runEngineRequest<C extends EngineCommand>(
  request: EngineRequest<C>,
  hooks: EngineHooks<C> = {},
): Promise<EngineOutput<C>> {
  const { signal, progress } = hooks;
  const confirm = hooks.confirm as ((subject: unknown) => Promise<boolean>) | undefined;
  let output: unknown;
  try {
    const r = request as EngineRequest;
    switch (r.command) {
      case 'render': {
        const o = r.options as OptionsByCommand['render'];
        const rendered = await renderProject({ ...o, signal });
        output = {
          warnings: rendered.warnings,
          renderDir: rendered.renderDir,
          printed: request.print ? printAll(rendered.objects) : undefined,
          images: rendered.images,
        } satisfies RenderOutput;
        break;
      }
      case 'diff': {
        const { diffProject } = await clusterCommands();
        output = await diffProject({ ...(r.options as OptionsByCommand['diff']), signal, progress });
        break;
      }
      case 'deploy': {
        const { deployProject } = await clusterCommands();
        output = await deployProject({ ...(r.options as OptionsByCommand['deploy']), signal, progress, confirm });
        break;
      }
      case 'prune':
      case 'delete': {
        const { pruneProject, deleteProject } = await clusterCommands();
        const run = r.command === 'prune' ? pruneProject : deleteProject;
        output = await run({ ...(r.options as OptionsByCommand['prune']), signal, progress, confirm });
        break;
      }
      case 'validate': {
        const { validateProject } = await clusterCommands();
        output = await validateProject({ ...(r.options as OptionsByCommand['validate']), signal, progress });
        break;
      }
      case 'analyze': {
        const { analyzeProject } = await import('../insight/analyze.js');
        output = await analyzeProject({ ...(r.options as OptionsByCommand['analyze']), signal });
        break;
      }
      case 'preview': {
        const { previewFile } = await import('../insight/preview.js');
        output = await previewFile({ ...(r.options as OptionsByCommand['preview']), signal });
        break;
      }
      case 'targets': {
        const o = r.options as OptionsByCommand['targets'];
        const loaded = loadKluctlProject(o.projectDir, {}, o.projectConfig);
        output = { targets: loaded.targets, warnings: loaded.warnings } satisfies OutputByCommand['targets'];
        break;
      }
      default:
        throw new Error(`unknown engine command ${String((r as { command: unknown }).command)}`);
    }
  } catch (error) {
    if (signal?.aborted) throw new CancelledError(request.command);
    throw error;
  }
  // A cancelled cluster command still returns its result (the objects it reached, errors for the rest).
  if (signal?.aborted) throw new CancelledError(request.command, request.command === 'render' ? undefined : output);
  return output as EngineOutput<C>;
}

/** The engine in this thread: no isolation, for tests and callers that bring their own. */
export const inProcessEngine: EngineRunner = { run: runEngineRequest };
