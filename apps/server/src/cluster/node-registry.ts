import { AVAILABLE_STATES, type ClusterNode, type ClusterResponse } from '@bastion/protocol';
import type { Logger } from 'pino';
import type { Registry } from '../plugins/registry.js';
import type { NodeIdentity } from '../node-identity.js';
import type { ClusterKeys } from './keys.js';
import { REQUEST_DEADLINE_MS, withDeadline, type RedisLink } from './redis.js';
import { selfNode, type ClusterView } from './view.js';

/** A tool as peers need it to validate a submission for a plugin they do not have. */
export interface BeatTool {
  name: string;
  inputSchema: Record<string, unknown>;
}

/** One node's heartbeat: its public description plus the tools of its available plugins and the jobs it holds. */
export interface NodeBeat extends ClusterNode {
  tools: Record<string, BeatTool[]>;
  /** Jobs running here or finished here with an outcome Redis has not accepted yet (the reconciler's evidence). */
  jobs: string[];
}

/** A node that misses this many heartbeats in a row leaves the list (its key expires in Redis). */
const BEATS_TO_LIVE = 3;

/**
 * Heartbeats and the list of live nodes. Each node writes its beat every `heartbeatMs` to a key that expires
 * after {@link BEATS_TO_LIVE} beats, so a killed or partitioned node leaves by itself; Redis's clock decides
 * expiry, so the nodes' clocks need not agree. A clean stop deletes the key at once.
 */
export class NodeRegistry implements ClusterView {
  #timer: NodeJS.Timeout | null = null;
  #lastNodes: NodeBeat[] = [];

  constructor(
    private readonly link: RedisLink,
    private readonly keys: ClusterKeys,
    private readonly identity: NodeIdentity,
    private readonly registry: Registry,
    private readonly heartbeatMs: number,
    private readonly runningJobs: () => number,
    private readonly heldJobs: () => string[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.#timer) return;
    void this.beat();
    this.#timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.#timer.unref();
    // Plugin states change between beats, and Redis may come back empty: announce at once.
    this.registry.on('state', this.#onState);
    this.link.on('up', this.#onState);
  }

  readonly #onState = (): void => {
    void this.beat();
  };

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.registry.off('state', this.#onState);
    this.link.off('up', this.#onState);
    if (!this.link.connected) return;
    await this.link.command
      .multi()
      .del(this.keys.node(this.identity.id))
      .srem(this.keys.nodes, this.identity.id)
      .exec()
      .catch(() => {});
  }

  /** This node's beat now. */
  self(): NodeBeat {
    const tools: Record<string, BeatTool[]> = {};
    for (const h of this.registry.list()) {
      if (!AVAILABLE_STATES.includes(h.state)) continue;
      tools[h.name] = this.registry.tools(h.name).map((t) => ({ name: t.name, inputSchema: t.inputSchema }));
    }
    return { ...selfNode(this.identity, this.registry, this.runningJobs()), tools, jobs: this.heldJobs() };
  }

  async beat(): Promise<void> {
    if (!this.link.connected || !this.#timer) return;
    const beat = this.self();
    try {
      await this.link.command
        .multi()
        .set(this.keys.node(beat.id), JSON.stringify(beat), 'PX', this.heartbeatMs * BEATS_TO_LIVE)
        .sadd(this.keys.nodes, beat.id)
        .exec();
    } catch (err) {
      this.logger.debug({ err }, 'cluster: heartbeat failed');
    }
  }

  /** Every node with a live heartbeat (this one included), sorted by id. Throws when Redis is unreachable. */
  async nodes(): Promise<NodeBeat[]> {
    const ids = await this.link.command.smembers(this.keys.nodes);
    const beats = ids.length ? await this.link.command.mget(...ids.map((id) => this.keys.node(id))) : [];
    const live: NodeBeat[] = [];
    const gone: string[] = [];
    beats.forEach((text, i) => {
      if (text === null) gone.push(ids[i] as string);
      else {
        const beat = JSON.parse(text) as NodeBeat;
        live.push({ ...beat, jobs: Array.isArray(beat.jobs) ? beat.jobs : [] });
      }
    });
    if (gone.length) await this.link.command.srem(this.keys.nodes, ...gone).catch(() => 0);
    live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#lastNodes = live;
    return live;
  }

  /** Live nodes, or only this one while Redis is unreachable. */
  async nodesOrSelf(): Promise<NodeBeat[]> {
    if (!this.link.connected) return [this.self()];
    try {
      return await withDeadline(this.nodes(), REQUEST_DEADLINE_MS);
    } catch {
      return [this.self()];
    }
  }

  /** The nodes seen by the last successful {@link nodes} call (for metrics). */
  get lastNodes(): readonly NodeBeat[] {
    return this.#lastNodes;
  }

  async describe(): Promise<ClusterResponse> {
    const nodes = await this.nodesOrSelf();
    if (!nodes.some((n) => n.id === this.identity.id)) nodes.push(this.self());
    return {
      mode: 'cluster',
      node_id: this.identity.id,
      queue: this.link.status(this.keys.prefix),
      nodes: nodes
        .map(({ tools: _tools, jobs: _jobs, ...node }) => node)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    };
  }
}
