import type { Worker as ThreadWorker } from 'node:worker_threads';
import Tesseract from 'tesseract.js';
import { checkTrainedData, type InstalledLanguage } from './languages.js';

/** tesseract.js OEM 1: LSTM only, the engine the `4.0.0_best_int` data is made for. */
const OEM_LSTM_ONLY = 1;

type ProgressListener = (fraction: number) => void;

/**
 * One tesseract.js worker (a worker thread running the WASM core) for one language set. It is created once and
 * reused across calls; calls are serialised by the plugin. If the thread dies, pending calls fail instead of
 * hanging and the next call builds a fresh engine.
 */
export class Engine {
  private dead: Error | null = null;
  private readonly deathWaiters = new Set<(err: Error) => void>();
  private progressListener: ProgressListener | null = null;

  private constructor(
    readonly langKey: string,
    private worker: Tesseract.Worker | null,
  ) {}

  static async create(languages: InstalledLanguage[]): Promise<Engine> {
    let engine: Engine | null = null;
    // tesseract.js only rejects createWorker() when its first step fails; a bad traineddata file makes a later
    // step fail, which reaches only errorHandler and would leave createWorker() pending forever.
    let failCreation: (err: Error) => void = () => {};
    const creationFailed = new Promise<never>((_, reject) => {
      failCreation = reject;
    });
    const options: Partial<Tesseract.WorkerOptions> = {
      // Never touch the disk cache: the plugin folder and cwd are read-only in the sandbox.
      cacheMethod: 'none',
      gzip: true,
      logger: (m) => {
        if (m.status === 'recognizing text') engine?.progressListener?.(m.progress);
      },
      // Without a handler tesseract.js rethrows job failures from an event callback (an uncaught exception).
      // After creation the failing job's own promise rejects, which is all we need.
      errorHandler: (err: unknown) => {
        if (!engine) failCreation(new Error(errorText(err)));
      },
    };
    // Check every file first: tesseract.js handles a corrupt file badly (a pending promise, a stray exception).
    const checked = languages.map((l) => ({ code: l.code, data: checkTrainedData(l) }));
    let langs: string | Tesseract.Lang[];
    const first = languages[0];
    if (languages.length === 1 && first) {
      langs = first.code;
      options.langPath = first.dir;
    } else {
      // Several packages live in several folders; hand tesseract.js the checked bytes directly.
      langs = checked;
    }
    let worker: Tesseract.Worker;
    try {
      worker = await Promise.race([Tesseract.createWorker(langs, OEM_LSTM_ONLY, options), creationFailed]);
    } catch (err) {
      throw new Error(`tesseract could not load language data ${describe(languages)}: ${errorText(err)}`, {
        cause: err,
      });
    }
    engine = new Engine(languages.map((l) => l.code).join('+'), worker);
    engine.watchThread();
    return engine;
  }

  private watchThread(): void {
    const thread = (this.worker as unknown as { worker?: ThreadWorker }).worker;
    if (!thread || typeof thread.on !== 'function') return;
    const die = (err: Error) => {
      if (this.dead) return;
      this.dead = err;
      for (const w of this.deathWaiters) w(err);
      this.deathWaiters.clear();
    };
    thread.on('error', (err: unknown) => die(new Error(`tesseract worker thread crashed: ${errorText(err)}`)));
    thread.on('exit', (code: number) => die(new Error(`tesseract worker thread exited (code ${code})`)));
  }

  get usable(): boolean {
    return this.worker !== null && this.dead === null;
  }

  /**
   * Recognises one image. Rejects when the thread dies or `signal` aborts (the engine is then terminated and
   * must be replaced).
   */
  async recognize(
    image: Uint8Array,
    psm: number | undefined,
    signal: AbortSignal,
    onProgress: ProgressListener,
  ): Promise<Tesseract.Page> {
    const worker = this.worker;
    if (!worker || this.dead) throw this.dead ?? new Error('tesseract engine was terminated');
    const params: Record<string, string> = {};
    if (psm !== undefined) params.tessedit_pageseg_mode = String(psm);

    let cleanup = () => {};
    const interrupted = new Promise<never>((_, reject) => {
      const onDeath = (err: Error) => reject(err);
      const onAbort = () => {
        reject(new Error('OCR call cancelled'));
        void this.terminate();
      };
      this.deathWaiters.add(onDeath);
      signal.addEventListener('abort', onAbort, { once: true });
      cleanup = () => {
        this.deathWaiters.delete(onDeath);
        signal.removeEventListener('abort', onAbort);
      };
    });
    this.progressListener = onProgress;
    try {
      const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
      const job = worker.recognize(bytes, params, { text: true, blocks: true }).then(
        (r) => r.data,
        (err: unknown) => {
          throw new Error(`tesseract could not read the image: ${errorText(err)}`);
        },
      );
      return await Promise.race([job, interrupted]);
    } finally {
      this.progressListener = null;
      cleanup();
    }
  }

  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}

function describe(languages: InstalledLanguage[]): string {
  return languages.map((l) => `'${l.code}' (${l.file})`).join(', ');
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
