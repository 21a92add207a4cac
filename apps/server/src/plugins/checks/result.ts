import type { ErrorCode } from '@bastion/protocol';

/** A requirement that is not met: the state it leads to, its code and an actionable reason. */
export interface CheckProblem {
  state: 'UNAVAILABLE' | 'FAILED';
  code: ErrorCode;
  reason: string;
}
