import { mcpFeature } from './api/mcp/index.js';
import { realtimeFeature } from './api/realtime/feature.js';
import { webFeature } from './api/web/index.js';
import { clusterFeature } from './api/routes/cluster-feature.js';
import type { FeatureFactory } from './api/feature.js';
import { jobsFeature } from './api/routes/jobs-feature.js';

export type { Feature, FeatureFactory, FeatureServices } from './api/feature.js';

/** The features every server runs. */
export const FEATURES: FeatureFactory[] = [mcpFeature, jobsFeature, clusterFeature, realtimeFeature, webFeature];
