/** The render half of the Kluctl engine: load a project, render its items, return the objects. */
export {
  renderProject,
  type RenderedItem,
  type RenderProjectOptions,
  type RenderProjectResult,
} from './render-project.js';
export { printAll } from './print.js';
export { ProjectError } from '../project/errors.js';
export type { InclusionOptions } from '../deployment/inclusion.js';
