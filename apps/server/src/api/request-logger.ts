import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type LogArgs = Parameters<FastifyBaseLogger['info']>;

/** A request's logger whose pino child (bound to the request id) is made on first use. */
class LazyChild implements FastifyBaseLogger {
  #child: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child ? this.#child.level : (this.options.level ?? this.parent.level);
  }

  set level(level: string) {
    this.#real().level = level;
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  fatal(...args: LogArgs): void {
    this.#real().fatal(...args);
  }
  error(...args: LogArgs): void {
    this.#real().error(...args);
  }
  warn(...args: LogArgs): void {
    this.#real().warn(...args);
  }
  info(...args: LogArgs): void {
    this.#real().info(...args);
  }
  debug(...args: LogArgs): void {
    this.#real().debug(...args);
  }
  trace(...args: LogArgs): void {
    this.#real().trace(...args);
  }
  silent(...args: LogArgs): void {
    this.#real().silent(...args);
  }
}

/**
 * `request.log` without a pino child per request: the child is made on the first use, which with request logging
 * off is rare (errors). A child per request was ≈ 10 % of the CPU of a trivial route such as GET /v1/plugins.
 */
export const lazyRequestLogger: ChildLoggerFactory = (logger, bindings, options) =>
  new LazyChild(logger, bindings, options);
