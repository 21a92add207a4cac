import { hostname } from 'node:os';

/**
 * This node's name and address. The id is `--node-id`, else `<hostname>:<port>`; with `--port 0` the port is only
 * known once the server listens, so {@link whenKnown} settles then (cluster mode waits for it before taking jobs,
 * so that two nodes on one machine never share an id).
 */
export class NodeIdentity {
  readonly startedAt = new Date().toISOString();
  #id: string | null;
  #url: string | null = null;
  readonly #known: Promise<void>;
  #settle!: () => void;

  constructor(
    explicitId: string | null,
    private readonly port: number,
  ) {
    this.#id = explicitId ?? (port === 0 ? null : `${hostname()}:${port}`);
    this.#known = new Promise<void>((resolve) => (this.#settle = resolve));
    if (this.#id !== null) this.#settle();
  }

  /** The id; before a `--port 0` server listens, `<hostname>:0`. */
  get id(): string {
    return this.#id ?? `${hostname()}:${this.port}`;
  }

  /** The URL the node listens on ('' before it listens). */
  get url(): string {
    return this.#url ?? '';
  }

  /** Called once the server listens. */
  listening(url: string, port: number): void {
    this.#url = url;
    if (this.#id === null) this.#id = `${hostname()}:${port}`;
    this.#settle();
  }

  whenKnown(): Promise<void> {
    return this.#known;
  }
}
