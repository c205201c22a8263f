export * from './localProject.js';
export * from './repoKey.js';
export * from './requests.js';
export * from './results.js';
export * from './status.js';
export * from './statusIcons.js';
export * from './types.js';
export * from './sourceOverride/index.js';
