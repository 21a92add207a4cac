import type { FeatureFactory } from '../feature.js';
import { clusterRoutes } from './cluster.js';

/** `GET /v1/cluster` (the job backend itself is started and stopped by the jobs feature). */
export const clusterFeature: FeatureFactory = (_ctx, _logger, services) => ({
  name: 'cluster',
  routes: (app) => clusterRoutes(app, services.cluster),
});
