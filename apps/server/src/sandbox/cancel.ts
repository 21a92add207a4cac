/**
 * What the pool and a worker need of a caller's cancellation. An AbortSignal is one; `Cancel` (runner/cancel.ts) is a
 * cheaper one for the hot HTTP route, where an AbortController and its EventTarget listeners cost ≈ 10 µs per call.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
