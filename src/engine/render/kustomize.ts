/** The one place the render pipeline gets kustomize from. */
export { findKustomizeBinary, generateKustomization, kustomizeBuild, KustomizeError } from '../kustomize/index.js';
