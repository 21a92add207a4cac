export * from './errors.js';
export * from './health.js';
export * from './jobs.js';
export * from './mcp.js';
export * from './plugins.js';
export * from './realtime.js';
export * from './cluster.js';
