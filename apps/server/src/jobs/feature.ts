import type { Logger } from 'pino';
import type { ApiContext } from '../api/context.js';
import type { Feature } from '../features.js';
import { jobRoutes } from './routes.js';
import { JobService } from './service.js';

const services = new WeakMap<ApiContext, JobService>();

/** The one JobService of a server (shared by the jobs routes and the realtime hub). */
export function jobServiceOf(ctx: ApiContext, logger: Logger): JobService {
  let service = services.get(ctx);
  if (!service) {
    service = new JobService(ctx, logger);
    services.set(ctx, service);
  }
  return service;
}

export interface JobsFeature extends Feature {
  jobs: JobService;
}

/** `/v1/jobs`: persisted jobs; queued ones resume after startup loading, running ones wind down on stop. */
export function jobsFeature(ctx: ApiContext, logger: Logger): JobsFeature {
  const jobs = jobServiceOf(ctx, logger);
  return {
    name: 'jobs',
    jobs,
    routes: (app) => jobRoutes(app, jobs),
    start: () => jobs.start(),
    stop: () => jobs.stop(),
  };
}
