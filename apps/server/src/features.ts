import { mcpFeature } from './api/mcp/index.js';
import { realtimeFeature } from './api/realtime/feature.js';
import { webFeature } from './api/web/index.js';
import { clusterFeature } from './cluster/feature.js';
import type { FeatureFactory } from './feature.js';
import { jobsFeature } from './jobs/feature.js';

export type { Feature, FeatureFactory, FeatureServices } from './feature.js';

/** The features every server runs. */
export const FEATURES: FeatureFactory[] = [mcpFeature, jobsFeature, clusterFeature, realtimeFeature, webFeature];
