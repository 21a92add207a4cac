import { createHash } from 'node:crypto';
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import type { ModelRequirement } from '@bastion/protocol';

/** Does the file start like the declared format? */
export function matchesFormat(format: ModelRequirement['format'], head: Buffer): boolean {
  switch (format) {
    case 'any':
      return true;
    case 'gzip':
      return head[0] === 0x1f && head[1] === 0x8b;
    case 'tflite':
      return head.subarray(4, 8).toString('latin1') === 'TFL3';
    case 'onnx':
      // ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
      return head[0] === 0x08;
    case 'json': {
      const first = head.toString('utf8').trimStart()[0];
      return first === '{' || first === '[';
    }
    case 'safetensors': {
      if (head.length < 9) return false;
      const headerLen = head.readBigUInt64LE(0);
      return headerLen > 0n && headerLen < 100_000_000n && head[8] === 0x7b;
    }
  }
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export type ModelCheck = { ok: true } | { ok: false; code: 'MODEL_MISSING' | 'MODEL_CORRUPT'; why: string };

/** Checks one model file: exists, regular, readable, big enough, right magic bytes, right sha256. */
export async function checkModelFile(file: string, model: ModelRequirement): Promise<ModelCheck> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { ok: false, code: 'MODEL_MISSING', why: 'is not a regular file' };
    size = st.size;
  } catch {
    return { ok: false, code: 'MODEL_MISSING', why: 'does not exist' };
  }
  const head = Buffer.alloc(64);
  let read: number;
  try {
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return {
      ok: false,
      code: 'MODEL_MISSING',
      why: `is not readable (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  if (size < model.minBytes) {
    return { ok: false, code: 'MODEL_CORRUPT', why: `is ${size} bytes, expected at least ${model.minBytes}` };
  }
  if (!matchesFormat(model.format, head.subarray(0, read))) {
    return { ok: false, code: 'MODEL_CORRUPT', why: `does not look like a ${model.format} file` };
  }
  if (model.sha256) {
    const actual = await sha256Of(file);
    if (actual !== model.sha256.toLowerCase()) {
      return { ok: false, code: 'MODEL_CORRUPT', why: `has sha256 ${actual}, expected ${model.sha256}` };
    }
  }
  return { ok: true };
}
