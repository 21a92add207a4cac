import net from 'node:net';
import type { HostToWorker, WorkerToHost } from '../messages.js';
import { Channel } from '../wire/channel.js';
import { TRUSTED_PEER } from '../wire/frame.js';

/**
 * The worker's end of the socket pair on fd 3. The host is trusted, so its frames are not capped here; if it goes
 * away (or breaks the format, which would be a host bug) the worker exits.
 */
export function connectToHost(onMessage: (msg: HostToWorker) => void): Channel<WorkerToHost> {
  let socket: net.Socket;
  try {
    socket = new net.Socket({ fd: 3, readable: true, writable: true });
  } catch {
    console.error('bastion worker: fd 3 is not the socket to the host; workers are started by the Bastion host');
    process.exit(70);
  }
  return new Channel<WorkerToHost>(socket, {
    maxFrameBytes: 0xffffffff,
    limits: TRUSTED_PEER,
    onMessage: (msg) => onMessage(msg as HostToWorker),
    onViolation: (why, cause) => {
      console.error(`bastion worker: the host broke the IPC protocol (${why})`);
      if (cause instanceof Error && cause.stack) console.error(cause.stack);
      process.exit(70);
    },
    onClose: () => process.exit(0),
  });
}
