/**
 * Kluctl's Jinja2 templating (spec §3): a Jinja2 3.1 implementation configured as Kluctl configures it
 * (StrictUndefined, loopcontrols, Kluctl's filters and globals, its include search path), printing values the
 * way Python does.
 */

export {
  createRenderer,
  TemplateRenderError,
  type RenderOptions,
  type RendererOptions,
  type TemplateRenderer,
} from './renderer.js';
export { TemplateFloat, type TemplateContext, type TemplateValue } from './context.js';
export { IMAGE_PLACEHOLDER } from './kluctl/functions.js';
export { DEFAULT_RENDER_BUDGET, setRenderBudget, type RenderBudget } from './python/budget.js';
