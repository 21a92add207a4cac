export * from './errors.js';
export * from './health.js';
export * from './jobs.js';
export * from './realtime.js';
export * from './cluster.js';
