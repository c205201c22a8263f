/** The cluster half of the Kluctl engine: diff, deploy, prune, delete and validate. */
export {
  deleteProject,
  deployProject,
  diffProject,
  pruneProject,
  validateProject,
  type CommandOptions,
  type DeleteOptions,
  type DeployOptions,
} from './commands.js';
export { formatCommandResultText, formatValidateResultText } from './text.js';
export type { Progress } from './applier.js';
