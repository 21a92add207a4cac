import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { Redis } from 'ioredis';

/** A free loopback TCP port (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something answers on the port (PONG, or NOAUTH from a Redis with a password). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    let answer = '';
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\r\n')) {
        s.destroy();
        resolve(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
      }
    });
  });
}

export interface TestRedisOptions {
  /** `requirepass`. */
  password?: string;
  /** A folder for an append-only file (`appendfsync always`): the data survives a kill and a start. */
  aofDir?: string;
}

/**
 * A private Debian `redis-server` on a loopback port, without persistence (`--save '' --appendonly no`), for one
 * test file. `stop()` kills it (SIGKILL: as abrupt as a crash); `start()` brings it back on the same port, empty.
 */
export class TestRedis {
  #child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly opts: TestRedisOptions,
  ) {}

  static async start(opts: TestRedisOptions = {}): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), opts);
    await redis.start();
    return redis;
  }

  /** The URL, with the password when there is one. */
  get url(): string {
    return this.opts.password
      ? `redis://:${encodeURIComponent(this.opts.password)}@127.0.0.1:${this.port}`
      : `redis://127.0.0.1:${this.port}`;
  }

  /** A client for the test's own commands (CONFIG SET, CLIENT KILL, …); the caller disconnects it. */
  client(password = this.opts.password): Redis {
    const c = new Redis({ port: this.port, host: '127.0.0.1', ...(password ? { password } : {}), lazyConnect: false });
    c.on('error', () => {});
    return c;
  }

  async start(): Promise<void> {
    const persistence = this.opts.aofDir
      ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.opts.aofDir]
      : ['--appendonly', 'no'];
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...persistence,
        ...(this.opts.password ? ['--requirepass', this.opts.password] : []),
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGSTOP: Redis freezes with its sockets open (as in a partition); {@link resume} thaws it. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }
}
