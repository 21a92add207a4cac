/**
 * The messages between host and worker: one typed union per direction, defined once in @bastion/protocol
 * (worker.ts) with the schema the host parses every worker message with (worker-message.ts). They travel as frames
 * on a socket pair (wire/frame.ts), binary arguments as raw bytes and result JSON as raw text.
 */
export type {
  CallErrorCode,
  HostToWorker,
  LoadErrorCode,
  LoadMessage,
  WorkerToHost,
  WorkerToolInfo,
} from '@bastion/protocol';
