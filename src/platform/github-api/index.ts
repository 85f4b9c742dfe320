export * from './client.js';
export * from './pr-comment.js';
export * from './check-run.js';
export * from './context.js';
export * from './default-branch-run.js';
