/** The render half of the Kluctl engine: load a project, render its items, return the objects. */
export { renderProject, type RenderProjectOptions, type RenderProjectResult } from './render-project.js';
export type { RenderedItem } from './build-item.js';
export { printAll } from './print.js';
export { ProjectError } from '../errors.js';
export type { InclusionOptions } from '../deployment/inclusion.js';
export { RenderCache } from './incremental.js';
