import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ValidateFunction } from 'ajv';
import { SERVER_ROOT } from '../paths.js';
import type { CompileReply, CompileRequest, SchemaSource } from './compile-protocol.js';
import { LINEAR_REGEXP_MODULE, linearRegExp } from './linear-regexp.js';

/** The compiled thread entry; like workers, it always runs built JavaScript. */
const THREAD_ENTRY = path.join(SERVER_ROOT, 'dist', 'schemas', 'compile-thread.js');

/** A schema the host will not use; its message names the schema and the JSON pointer of the problem. */
export class SchemaError extends Error {}

export interface SchemaCompilerOptions {
  /** Longest one plugin's schemas may take to compile. */
  timeoutMs: number;
  /**
   * Most validator code one plugin's schemas may compile to. Loading it is the part that stays on the event loop
   * (about 0.3 ms per KB, measured), so this bounds the stall a schema can cause.
   */
  maxCodeBytes: number;
}

export const SCHEMA_COMPILER_DEFAULTS: SchemaCompilerOptions = { timeoutMs: 5000, maxCodeBytes: 128 * 1024 };

const nodeRequire = createRequire(import.meta.url);
const requireForValidators = (id: string): unknown => (id === LINEAR_REGEXP_MODULE ? linearRegExp : nodeRequire(id));

/** Validator code from the compiler thread (ajv's own output for a schema) as a function. */
function instantiate(code: string): ValidateFunction {
  const mod: { exports: unknown } = { exports: {} };
  new Function('require', 'module', 'exports', code)(requireForValidators, mod, mod.exports);
  return mod.exports as ValidateFunction;
}

interface Job {
  req: CompileRequest;
  resolve: (fns: ValidateFunction[]) => void;
  reject: (err: Error) => void;
}

/**
 * Compiles plugin schemas off the event loop: one thread, one request at a time, each under `timeoutMs` (past it
 * the thread is terminated and the request refused). Only loading the generated code runs on the event loop.
 */
export class SchemaCompiler {
  readonly #opts: SchemaCompilerOptions;
  #thread: Worker | null = null;
  readonly #queue: Job[] = [];
  #current: { job: Job; timer: NodeJS.Timeout } | null = null;
  #nextId = 1;
  #closed = false;

  constructor(opts: SchemaCompilerOptions = SCHEMA_COMPILER_DEFAULTS) {
    this.#opts = opts;
  }

  /** Validators for `schemas`, in order; rejects with SchemaError naming the first problem. */
  compile(schemas: SchemaSource[]): Promise<ValidateFunction[]> {
    if (schemas.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({
        req: { id: this.#nextId++, schemas, maxCodeBytes: this.#opts.maxCodeBytes },
        resolve,
        reject,
      });
      this.#next();
    });
  }

  /** Stops the thread; pending requests are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new SchemaError('the server is stopping'));
    if (this.#current) this.#settle(new SchemaError('the server is stopping'));
    const thread = this.#thread;
    this.#thread = null;
    await thread?.terminate();
  }

  #next(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) return;
    const timer = setTimeout(() => {
      this.#discardThread();
      this.#settle(
        new SchemaError(
          `${job.req.schemas[0]?.where ?? 'a schema'}: compiling the plugin's schemas took longer than ${this.#opts.timeoutMs} ms; simplify them`,
        ),
      );
    }, this.#opts.timeoutMs);
    this.#current = { job, timer };
    this.#ensureThread().postMessage(job.req);
  }

  #ensureThread(): Worker {
    if (this.#thread) return this.#thread;
    const thread = new Worker(THREAD_ENTRY, { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    thread.unref();
    thread.on('message', (reply: CompileReply) => {
      if (this.#current?.job.req.id !== reply.id) return;
      if ('problem' in reply) {
        this.#settle(new SchemaError(reply.problem));
        return;
      }
      try {
        this.#settle(null, reply.codes.map(instantiate));
      } catch (err) {
        this.#settle(
          new SchemaError(`a validator could not be loaded: ${err instanceof Error ? err.message : String(err)}`),
        );
      }
    });
    thread.on('error', (err) => {
      if (this.#thread === thread) this.#thread = null;
      this.#settle(new SchemaError(`compiling the plugin's schemas failed: ${err.message}`));
    });
    thread.on('exit', () => {
      if (this.#thread === thread) this.#thread = null;
    });
    this.#thread = thread;
    return thread;
  }

  #discardThread(): void {
    const thread = this.#thread;
    this.#thread = null;
    void thread?.terminate();
  }

  #settle(err: Error | null, fns: ValidateFunction[] = []): void {
    const current = this.#current;
    if (!current) return;
    this.#current = null;
    clearTimeout(current.timer);
    if (err) current.job.reject(err);
    else current.job.resolve(fns);
    this.#next();
  }
}
