/**
 * What ends `bastion serve`: SIGTERM or SIGINT (from a terminal, systemd, docker, or `npx`, which forwards them),
 * and also the end of whatever started it — its parent process dying (a shell between `npx` and node that was
 * killed leaves the server orphaned otherwise) or, when started with an IPC channel, that channel closing.
 * Each trigger calls `stop` once with a short reason; repeats are ignored (npx forwards a terminal's SIGINT that
 * node already received).
 */
export function onStopTrigger(stop: (why: string) => void, opts: { parentPollMs?: number } = {}): () => void {
  let fired = false;
  const fire = (why: string): void => {
    if (fired) return;
    fired = true;
    stop(why);
  };
  const onTerm = (): void => fire('SIGTERM');
  const onInt = (): void => fire('SIGINT');
  const onDisconnect = (): void => fire('IPC channel closed');
  // Keep the handlers for good: a second signal must not kill the process mid-shutdown.
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  if (process.channel) process.once('disconnect', onDisconnect);
  const parent = process.ppid;
  const timer = setInterval(() => {
    // process.ppid is read live: an orphan is re-parented to init or a subreaper.
    if (process.ppid !== parent) fire(`parent process ${parent} exited`);
  }, opts.parentPollMs ?? 500);
  timer.unref();
  return () => {
    clearInterval(timer);
    process.off('disconnect', onDisconnect);
  };
}
