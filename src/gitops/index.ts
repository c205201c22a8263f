export * from '../kluctl/localProject.js';
export * from '../kluctl/repoKey.js';
export * from './requests.js';
export * from '../kluctl/results.js';
export * from './status.js';
export * from './statusIcons.js';
export * from '../kluctl/types.js';
export * from './sourceOverride/index.js';
