import type { Feature, FeatureFactory } from '../feature.js';
import type { JobBackend } from '../../jobs/backend.js';
import { jobRoutes } from './jobs.js';

export interface JobsFeature extends Feature {
  jobs: JobBackend;
}

/** `/v1/jobs`: queued jobs resume (or, in cluster mode, are consumed) after startup loading; running ones wind down on stop. */
export const jobsFeature: FeatureFactory = (ctx, _logger, { jobs }): JobsFeature => ({
  name: 'jobs',
  jobs,
  routes: (app) =>
    jobRoutes(app, jobs, (plugin, tool) => ctx.registry.tools(plugin).find((t) => t.name === tool)?.inputSchema),
  start: () => jobs.start(),
  stop: () => jobs.stop(),
});
