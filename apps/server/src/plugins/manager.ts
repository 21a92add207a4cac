import path from 'node:path';
import type { ErrorCode, Limits, MemoryEnforcement } from '@bastion/protocol';
import type { ServerConfig } from '../config/schema.js';
import type { WorkerDeath } from '../sandbox/death.js';
import type { IsolationInfo } from '../sandbox/isolation.js';
import { LoadFailure } from '../sandbox/load-failure.js';
import type { LogSink } from '../sandbox/log-relay.js';
import { PluginPool, type StopCause } from '../sandbox/pool.js';
import { createPythonProbe } from './checks/python-probe.js';
import { DEFAULT_PYTHON, NODE_RUNTIME, type WorkerRuntime } from '../sandbox/runtime.js';
import { createWorkerFactory } from '../sandbox/worker-factory.js';
import { checkRequirements } from './checks/index.js';
import { gpuDeviceNodes, probeGpu, type GpuProbe, type GpuProbeOptions } from './checks/gpu.js';
import { discoverFolders } from './discovery.js';
import { LOADS_AT_ONCE, LoadGate } from './load-gate.js';
import { checkEngines, checkOptions } from './host-checks.js';
import { readManifest, type Manifest } from './manifest.js';
import type { Registry } from './registry.js';
import { resolveLimits } from './limits.js';
import { decideRestart } from './restart-policy.js';
import { loadTools } from './loaded-tool.js';
import type { SchemaCompiler } from '../schemas/schema-compiler.js';

export interface ManagerLogger {
  info: LogSink;
  warn: LogSink;
  error: LogSink;
}

interface Slot {
  name: string;
  folder: string;
  manifest: Manifest | null;
  pool: PluginPool | null;
  /** Bumped on every (re)load so late events of an old pool are ignored. */
  generation: number;
  failures: number[];
  restartTimer: NodeJS.Timeout | null;
  /** A problem only a server restart can clear (duplicate id, folder linking outside its directory). */
  fixedProblem: string | null;
}

export interface ManagerOptions {
  /** How the GPU probe looks for `nvidia-smi` and the driver (tests drive it both ways). */
  gpu?: GpuProbeOptions;
  /** Load only these folders of the plugin dirs (the testkit's host of one plugin); default: every folder. */
  onlyFolders?: readonly string[];
}

/**
 * Discovers plugin folders, checks their requirements without running their code, loads them into sandboxed
 * worker pools, and applies restarts (explicit, or automatic under restartPolicy on-failure).
 */
export class PluginManager {
  readonly #slots = new Map<string, Slot>();
  readonly #loads = new LoadGate(LOADS_AT_ONCE);
  #gpuProbe: Promise<GpuProbe> | null = null;
  #stopped = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly registry: Registry,
    private readonly isolation: IsolationInfo,
    private readonly log: ManagerLogger,
    private readonly pluginDirs: string[],
    private readonly schemas: SchemaCompiler,
    private readonly options: ManagerOptions = {},
  ) {}

  /** Finds every plugin and loads them all, LOADS_AT_ONCE at a time. */
  async startAll(): Promise<void> {
    const discovered = discoverFolders(this.pluginDirs);
    for (const w of discovered.warnings) this.log.warn(w);
    const only = this.options.onlyFolders;
    const folders = only ? discovered.folders.filter((f) => only.includes(f.folder)) : discovered.folders;
    const byId = new Map<string, string>();
    for (const found of folders) {
      const result = readManifest(found.folder);
      let name = result.ok ? result.manifest.id : result.id;
      const firstFolder = byId.get(name);
      if (firstFolder !== undefined || this.#slots.has(name)) {
        const base = name;
        let n = 2;
        while (this.#slots.has(`${base}~${n}`)) n++;
        name = `${base}~${n}`;
        const problem = `duplicate plugin id '${base}': already used by ${firstFolder ?? this.#slots.get(base)?.folder}; this folder ${found.folder} is ignored; give one of them another bastion.id`;
        this.#addSlot(name, found.folder, null, problem);
        this.registry.transition(name, 'FAILED', { code: 'MANIFEST_INVALID', reason: problem });
        continue;
      }
      byId.set(name, found.folder);
      this.#addSlot(name, found.folder, result.ok ? result.manifest : null, found.problem);
      if (found.problem) {
        this.registry.transition(name, 'FAILED', { code: 'MANIFEST_INVALID', reason: found.problem });
      } else if (!result.ok) {
        this.registry.transition(name, 'FAILED', {
          code: 'MANIFEST_INVALID',
          reason: `invalid manifest in ${found.folder}: ${result.problems.join('; ')}`,
        });
      }
    }
    await Promise.all(
      [...this.#slots.values()]
        .filter((s) => s.manifest && this.registry.state(s.name) === null)
        .map((s) => this.#load(s, 'normal')),
    );
  }

  /**
   * Restart from any state: re-reads the manifest, re-runs the checks and the load. An explicit restart (API, UI)
   * forgives past failures; an automatic one (on-failure policy) keeps them so quarantine can trigger.
   */
  async restart(name: string, explicit = true): Promise<void> {
    const slot = this.#slots.get(name);
    if (!slot) return;
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = null;
    if (explicit) slot.failures = [];
    await this.#stopPool(slot, 2000);
    if (slot.fixedProblem) {
      this.registry.transition(name, 'FAILED', {
        cause: 'restart',
        code: 'MANIFEST_INVALID',
        reason: slot.fixedProblem,
      });
      return;
    }
    const result = readManifest(slot.folder);
    if (!result.ok || result.manifest.id !== name) {
      slot.manifest = null;
      this.registry.transition(name, 'FAILED', {
        cause: 'restart',
        code: 'MANIFEST_INVALID',
        reason: result.ok
          ? `the folder now declares id '${result.manifest.id}'; restart the server to pick it up`
          : `invalid manifest in ${slot.folder}: ${result.problems.join('; ')}`,
      });
      return;
    }
    slot.manifest = result.manifest;
    await this.#load(slot, 'restart');
  }

  /** The folders of every known plugin, by id (what `serve --watch` watches). */
  folders(): Map<string, string> {
    return new Map([...this.#slots.values()].map((s) => [s.name, s.folder]));
  }

  pool(name: string): PluginPool | null {
    return this.#slots.get(name)?.pool ?? null;
  }

  async stopAll(graceMs: number): Promise<void> {
    this.#stopped = true;
    await Promise.all(
      [...this.#slots.values()].map((s) => {
        if (s.restartTimer) clearTimeout(s.restartTimer);
        return this.#stopPool(s, graceMs, 'shutdown');
      }),
    );
  }

  #addSlot(name: string, folder: string, manifest: Manifest | null, fixedProblem: string | null): void {
    const overrides = this.config.file.plugins[name];
    this.#slots.set(name, {
      name,
      folder,
      manifest,
      pool: null,
      generation: 0,
      failures: [],
      restartTimer: null,
      fixedProblem,
    });
    this.registry.register({
      name,
      folder,
      manifest,
      limits: this.#limits(manifest, overrides),
      isolation: this.isolation.mode,
      memoryEnforcement: this.#memoryEnforcement(),
    });
  }

  #limits(manifest: Manifest | null, overrides: ServerConfig['file']['plugins'][string] | undefined): Limits {
    return resolveLimits(manifest, overrides);
  }

  #memoryEnforcement(): MemoryEnforcement {
    return this.isolation.cgroups ? 'cgroup' : 'watchdog';
  }

  #gpu(): Promise<GpuProbe> {
    this.#gpuProbe ??= probeGpu(this.options.gpu);
    return this.#gpuProbe;
  }

  async #stopPool(slot: Slot, graceMs: number, cause: StopCause = 'restart'): Promise<void> {
    slot.generation++;
    const pool = slot.pool;
    slot.pool = null;
    if (pool) await pool.stop(graceMs, cause);
  }

  async #load(slot: Slot, cause: 'normal' | 'restart'): Promise<void> {
    const manifest = slot.manifest as Manifest;
    const { name } = slot;
    const overrides = this.config.file.plugins[name];
    const limits = this.#limits(manifest, overrides);
    this.registry.register({
      name,
      folder: slot.folder,
      manifest,
      limits,
      isolation: this.isolation.mode,
      memoryEnforcement: this.#memoryEnforcement(),
    });
    if (overrides && !overrides.enabled) {
      this.registry.transition(name, 'UNAVAILABLE', {
        cause,
        code: 'DISABLED',
        reason: `disabled in the config file; set plugins.${name}.enabled to true to use it`,
      });
      return;
    }
    // Host version and operator options are checked before the environment, and before any plugin code runs.
    const hostProblem =
      checkEngines(manifest) ?? (await checkOptions(manifest, overrides?.options ?? {}, this.schemas));
    if (hostProblem) {
      this.registry.transition(name, hostProblem.state, { cause, code: hostProblem.code, reason: hostProblem.reason });
      return;
    }
    const hiddenDirs = [
      path.resolve(this.config.dataDir),
      ...[...this.#slots.values()].filter((s) => s !== slot).map((s) => s.folder),
    ];
    // Only plugins that declare a GPU see its device nodes.
    const devices = manifest.requires.gpu ? gpuDeviceNodes(this.options.gpu?.deviceDir) : [];
    const runtime: WorkerRuntime = manifest.python
      ? { kind: 'python', executable: overrides?.python?.executable ?? manifest.python.executable ?? DEFAULT_PYTHON }
      : NODE_RUNTIME;
    const problem = await checkRequirements(manifest, {
      folder: slot.folder,
      gpu: () => this.#gpu(),
      allowCpu: overrides?.allowCpu ?? false,
      ...(runtime.kind === 'python'
        ? {
            python: {
              executable: runtime.executable,
              probe: createPythonProbe({ isolation: this.isolation, folder: slot.folder, hiddenDirs, devices }),
              ignoreVersions: overrides?.python?.ignoreVersions ?? false,
            },
          }
        : {}),
    });
    if (problem) {
      this.registry.transition(name, problem.state, { cause, code: problem.code, reason: problem.reason });
      return;
    }
    // Stopped while the checks ran: start no worker the shutdown would not see.
    if (this.#stopped) return;
    const generation = ++slot.generation;
    const pool = new PluginPool(
      name,
      limits,
      createWorkerFactory({
        pluginId: name,
        folder: slot.folder,
        entry: manifest.entry,
        runtime,
        devices,
        network: manifest.requires.network,
        limits,
        isolation: this.isolation,
        hiddenDirs,
        options: overrides?.options ?? {},
        maxResultBytes: this.config.file.maxResultMb * 1024 * 1024,
        log: this.log.info,
        warn: this.log.warn,
        onMemoryPeak: (mb) => this.registry.recordMemoryPeak(name, mb),
      }),
      {
        onFailure: (death) => {
          if (slot.generation === generation) this.#failed(slot, death.code, death.message, death);
        },
        onReloadFailure: (err) => {
          if (slot.generation === generation) this.#failed(slot, err.code, err.message, null);
        },
        onQueueDepth: (depth) => this.registry.setQueueDepth(name, depth),
        onMemoryPeak: (mb) => this.registry.recordMemoryPeak(name, mb),
      },
    );
    slot.pool = pool;
    this.registry.transition(name, 'LOADED', { cause });
    try {
      const tools = await this.#loads.run(async () => {
        const declared = await pool.start();
        try {
          return await loadTools(this.schemas, declared, { checkOutputsInHost: runtime.kind === 'python' });
        } catch (err) {
          await pool.stop(0);
          throw err;
        }
      });
      if (slot.generation !== generation) return;
      this.registry.setTools(name, tools);
      this.registry.transition(name, 'INITIALIZED');
      this.log.info(`plugin ${name} ready (${tools.length} tool${tools.length === 1 ? '' : 's'})`);
    } catch (err) {
      if (slot.generation !== generation) return;
      slot.pool = null;
      const failure = err instanceof LoadFailure ? err : new LoadFailure('LOAD_CRASHED', String(err));
      if (failure.code === 'LOAD_CRASHED') this.registry.workerLost(name, 'LOAD_CRASHED', failure.message);
      this.#failed(slot, failure.code, failure.message, null);
    }
  }

  /** Marks a plugin FAILED (counted once) and applies the restart policy. */
  #failed(slot: Slot, code: ErrorCode, message: string, death: WorkerDeath | null): void {
    const { name } = slot;
    if (death) this.registry.workerLost(name, code, message);
    const now = Date.now();
    slot.failures.push(now);
    let reason = message;
    if (this.config.file.restartPolicy === 'on-failure' && !this.#stopped) {
      const decision = decideRestart(slot.failures, now);
      if (decision.action === 'quarantine') {
        reason = `quarantined: ${decision.failures} failures in 10 min; last: ${message}`;
      } else {
        slot.restartTimer = setTimeout(() => {
          slot.restartTimer = null;
          void this.restart(name, false);
        }, decision.delayMs);
        slot.restartTimer.unref();
      }
    }
    this.log.warn(`plugin ${name} FAILED (${code}): ${reason}`);
    this.registry.transition(name, 'FAILED', { code, reason });
  }
}
