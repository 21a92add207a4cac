import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import { PLUGIN_STATES, type ClusterQueue } from '@bastion/protocol';
import type { Registry } from '../plugins/registry.js';

/** Where an error was answered: REST (and WebSocket upgrades refused over HTTP), MCP, or a WebSocket message. */
export type Surface = 'http' | 'mcp' | 'realtime' | 'stream';

/**
 * Prometheus metrics. Call outcomes and errors are counted as they happen (labelled with the error registry's
 * codes); plugin state and worker memory are read from registry snapshots at scrape time; the process metrics
 * (CPU, memory, event loop lag, GC, handles) are prom-client's defaults, less three misnamed sums.
 */
export function createMetrics(
  registry: Registry,
  /** Cluster mode's queue link (null in standalone mode, which exports no queue metric). */
  queue: () => ClusterQueue | null = () => null,
  /** Cluster mode: how many nodes are live (GET /v1/cluster); null in standalone mode. */
  clusterNodes: () => Promise<number | null> = () => Promise.resolve(null),
): {
  contentType: string;
  render: () => Promise<string>;
  /** Counts one error answer; every surface calls it (HTTP error handler, MCP results, WebSocket messages). */
  countError: (code: string, surface?: Surface) => void;
} {
  const prom = new PromRegistry();
  collectDefaultMetrics({ register: prom });
  // prom-client names these gauges `*_total`, a suffix Prometheus reserves for counters (`promtool check metrics`
  // exits 3 on them). Each is the sum of the `nodejs_active_*{type}` gauge next to it, so nothing is lost.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    prom.removeSingleMetric(name);
  const calls = new Counter({
    name: 'bastion_tool_calls_total',
    help: 'Tool calls that reached a worker, by outcome (ok or an error code)',
    labelNames: ['plugin', 'tool', 'outcome'] as const,
    registers: [prom],
  });
  const durations = new Histogram({
    name: 'bastion_tool_call_duration_seconds',
    help: 'Duration of tool calls',
    labelNames: ['plugin', 'tool'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [prom],
  });
  const errors = new Counter({
    name: 'bastion_request_errors_total',
    help: 'Error answers of every surface (HTTP, MCP tool results, WebSocket messages), by code and surface',
    labelNames: ['code', 'surface'] as const,
    registers: [prom],
  });
  const snapshot = () => registry.list();
  new Gauge({
    name: 'bastion_plugin_state',
    help: 'Lifecycle state of each plugin (1 for its current state)',
    labelNames: ['plugin', 'state'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot())
        for (const s of PLUGIN_STATES) this.set({ plugin: h.name, state: s }, h.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bastion_worker_memory_peak_bytes',
    help: 'Highest RSS any worker of the plugin reached (whole bytes)',
    labelNames: ['plugin'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot())
        if (h.memory_peak_mb !== null) this.set({ plugin: h.name }, Math.round(h.memory_peak_mb * 1024 * 1024));
    },
  });
  new Gauge({
    name: 'bastion_plugin_in_flight',
    help: 'Calls in flight per plugin',
    labelNames: ['plugin'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot()) this.set({ plugin: h.name }, h.in_flight);
    },
  });
  new Gauge({
    name: 'bastion_plugin_queue_depth',
    help: 'Calls waiting for a worker per plugin',
    labelNames: ['plugin'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot()) this.set({ plugin: h.name }, h.queue_depth);
    },
  });
  // The limits the alert rules compare with (deploy/prometheus/alerts.yml): a p95 near the timeout, a queue near full.
  new Gauge({
    name: 'bastion_plugin_timeout_seconds',
    help: 'The timeout of a direct call to the plugin (limits.timeoutMs)',
    labelNames: ['plugin'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot()) this.set({ plugin: h.name }, registry.limits(h.name).timeoutMs / 1000);
    },
  });
  new Gauge({
    name: 'bastion_plugin_max_queue',
    help: 'Calls that may wait for a worker of the plugin before PLUGIN_BUSY (limits.maxQueue)',
    labelNames: ['plugin'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot()) this.set({ plugin: h.name }, registry.limits(h.name).maxQueue);
    },
  });
  new Gauge({
    name: 'bastion_plugin_quarantined',
    help: 'Plugins the on-failure restart policy gave up on (1: quarantined, stays FAILED until restarted)',
    labelNames: ['plugin'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot())
        this.set({ plugin: h.name }, h.state === 'FAILED' && h.reason?.startsWith('quarantined') ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bastion_cluster_nodes',
    help: 'Cluster mode: live nodes this node sees (GET /v1/cluster)',
    registers: [prom],
    async collect() {
      this.reset();
      try {
        const n = await clusterNodes();
        if (n !== null) this.set(n);
      } catch {
        // Redis unreachable: no sample (bastion_queue_connected says why).
      }
    },
  });
  new Counter({
    name: 'bastion_worker_deaths_total',
    help: 'Worker deaths per plugin and kind (crash includes memory kills)',
    labelNames: ['plugin', 'kind'] as const,
    registers: [prom],
    collect() {
      this.reset();
      for (const h of snapshot()) {
        this.inc({ plugin: h.name, kind: 'crash' }, h.crash_count);
        this.inc({ plugin: h.name, kind: 'timeout' }, h.timeout_count);
      }
    },
  });
  new Gauge({
    name: 'bastion_queue_connected',
    help: 'Cluster mode: 1 while the job queue (Redis) is reachable, 0 while it is not',
    registers: [prom],
    collect() {
      this.reset();
      const q = queue();
      if (q) this.set(q.connected ? 1 : 0);
    },
  });
  // Labelled children kept per key: prom-client hashes the label object on every inc/observe otherwise.
  const callChildren = new Map<string, { inc: () => void }>();
  const durationChildren = new Map<string, { observe: (v: number) => void }>();
  registry.on('call', (e) => {
    if (e.outcome === 'cancelled') return;
    const key = `${e.plugin}\0${e.tool}`;
    const callKey = `${key}\0${e.outcome}`;
    let call = callChildren.get(callKey);
    if (!call) {
      call = calls.labels({ plugin: e.plugin, tool: e.tool, outcome: e.outcome });
      callChildren.set(callKey, call);
    }
    call.inc();
    let duration = durationChildren.get(key);
    if (!duration) {
      duration = durations.labels({ plugin: e.plugin, tool: e.tool });
      durationChildren.set(key, duration);
    }
    duration.observe(e.durationMs / 1000);
  });
  return {
    contentType: prom.contentType,
    render: () => prom.metrics(),
    countError: (code, surface = 'http') => errors.inc({ code, surface }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
