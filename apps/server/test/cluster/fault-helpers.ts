import { expect } from 'vitest';
import type { JobRecord } from '@bastion/protocol';
import { until } from '../helpers/ws.js';
import type { ClusterNodeProcess } from './nodes.js';

/** A Redis-backed request answers within its 2 s deadline; this bound adds room for two busy cores. */
export const ANSWER_BOUND_MS = 4000;
/** The queue password of the fault scenarios: it must never appear in a log. */
export const PASSWORD = 'Fault-pw-8c1e0f';
/** Put into job arguments and results: neither may appear in a log. */
export const MARKER = 'PAYLOAD-7f3a9d';
/** Every log level on, so nothing sensitive can hide below the default level. */
export const TRACE = { BASTION_LOG_LEVEL: 'trace' };

export interface Answer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/** Every status a scenario saw, to check that none was a 500. */
export class Exchanges {
  readonly statuses: number[] = [];

  /** One request that must answer within {@link ANSWER_BOUND_MS}; a hang fails the test. */
  async call(url: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    this.statuses.push(res.status);
    const error = body.error as { code?: string } | undefined;
    return { status: res.status, code: error?.code, retryAfter: res.headers.get('retry-after'), body };
  }

  submit(base: string, tool: string, args: Record<string, unknown>): Promise<Answer> {
    return this.call(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plugin: 'sleeper', tool, args }),
    });
  }

  /** Polls a job (through 503s) until it satisfies `pred`. */
  async job(base: string, id: string, pred: (j: JobRecord) => boolean, timeoutMs = 30_000): Promise<JobRecord> {
    return until(
      async () => {
        const a = await this.call(`${base}/v1/jobs/${id}`);
        if (a.status !== 200) return undefined;
        const job = a.body as unknown as JobRecord;
        return pred(job) ? job : undefined;
      },
      timeoutMs,
      `job ${id}`,
    );
  }

  expectNo500(): void {
    expect(this.statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  }
}

/** A 503 QUEUE_UNAVAILABLE that tells the client when to retry. */
export function expectQueueUnavailable(a: Answer): void {
  expect([a.status, a.code]).toEqual([503, 'QUEUE_UNAVAILABLE']);
  expect(Number(a.retryAfter)).toBeGreaterThan(0);
}

/** Nothing sensitive in anything the node logged: no password, no payload, no line longer than 10 KB. */
export function expectCleanLogs(node: ClusterNodeProcess, secrets: string[] = [PASSWORD, MARKER]): void {
  const logs = node.logs();
  expect(logs.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(logs.includes(secret), `${node.id} logged ${secret}`).toBe(false);
  const longest = Math.max(...logs.split('\n').map((l) => l.length));
  expect(longest).toBeLessThan(10_000);
}

export const isFinal = (j: JobRecord): boolean => ['succeeded', 'failed', 'cancelled'].includes(j.status);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
