/** Model file formats the host can check by their first bytes. */
export type ModelFormat = 'onnx' | 'tflite' | 'gzip' | 'json' | 'safetensors' | 'any';

/** The `bastion` field of a plugin's package.json, checked by the host without running plugin code. */
export interface BastionManifest {
  /** Plugin id; defaults to the package name without its scope. `^[a-z0-9][a-z0-9_-]{0,63}$` */
  id?: string;
  apiVersion: 1;
  description?: string;
  requires?: {
    gpu?: boolean;
    packages?: string[];
    binaries?: string[];
    network?: boolean;
    models?: Array<{
      /** Path of the file, relative to the plugin folder (or to `package`'s folder when given). */
      path: string;
      /** npm package whose folder `path` is relative to, for models shipped inside a package. */
      package?: string;
      format?: ModelFormat;
      minBytes?: number;
      sha256?: string | null;
      hint?: string;
    }>;
  };
  /**
   * Host versions the plugin works with, as an npm semver range; checked before load (a mismatch is FAILED with a
   * reason naming both versions).
   * @example engines: { bastion: '^0.1.0' }
   */
  engines?: { bastion?: string };
  /**
   * JSON Schema of the operator's `plugins.<id>.options`; the host validates the options against it before load
   * (a mismatch is FAILED, reason `OPTIONS_INVALID`) and hands them to the plugin as `ctx.config`.
   * @example options: { type: 'object', properties: { maxSessions: { type: 'integer', minimum: 1 } },
   *                     additionalProperties: false }
   */
  options?: Record<string, unknown>;
  limits?: {
    timeoutMs?: number;
    jobTimeoutMs?: number;
    memoryMb?: number;
    concurrency?: number;
    maxQueue?: number;
    loadTimeoutMs?: number;
    /**
     * Processes and threads the worker's whole tree may run at once (the worker's own node threads included).
     * @example limits: { maxProcesses: 128 } // a plugin that runs a multi-threaded ffmpeg
     */
    maxProcesses?: number;
  };
}
