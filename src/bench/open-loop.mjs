// Fixed-rate (open-loop) load, as wrk2 drives it: request i is due at start + i / rate whatever happened to the
// earlier ones, and its latency counts from that due time, not from when a free connection finally sent it. A
// closed loop (each client waits for its answer before the next request) sends less while the server stalls and so
// never records the waiting its absent requests would have done (coordinated omission); this does not.

/**
 * Drives `send(i)` at `rate` requests per second for `seconds`, then waits for the answers still out.
 * `now()` (ms) and `sleep(ms)` are the clock (injected so the schedule can be tested in virtual time); `send`
 * resolves when request i's answer has arrived (true) or failed (false). Connection limits live in `send`: a
 * request waiting for a free connection is late, and its latency shows it.
 * @param {{ rate: number, seconds: number, now: () => number, sleep: (ms: number) => Promise<void>,
 *   send: (i: number) => Promise<{ ok: boolean, sentAt?: number }> }} o
 */
export async function driveOpenLoop(o) {
  const interval = 1000 / o.rate;
  const start = o.now();
  const end = start + o.seconds * 1000;
  /** @type {number[]} */
  const latencies = [];
  /** @type {number[]} */
  const serviceTimes = [];
  let issued = 0;
  let errors = 0;
  const pending = [];
  while (true) {
    const now = o.now();
    // Every request due by now goes out now (after a late wake-up, several at once), each keeping its due time.
    const due = Math.min(Math.floor((now - start) / interval) + 1, Math.ceil(o.seconds * o.rate));
    for (; issued < due; issued++) {
      const scheduled = start + issued * interval;
      pending.push(
        o.send(issued).then((r) => {
          const done = o.now();
          if (!r.ok) errors++;
          else {
            latencies.push(done - scheduled);
            if (r.sentAt !== undefined) serviceTimes.push(done - r.sentAt);
          }
        }),
      );
    }
    if (issued >= Math.ceil(o.seconds * o.rate) || now >= end) break;
    await o.sleep(Math.max(0, start + issued * interval - o.now()));
  }
  const sendingSeconds = (o.now() - start) / 1000;
  await Promise.all(pending);
  return {
    offeredRate: o.rate,
    issued,
    errors,
    /** Answers per second from the first due time to the last answer. */
    achievedRate: latencies.length / Math.max(1e-9, (o.now() - start) / 1000),
    sendingSeconds,
    seconds: (o.now() - start) / 1000,
    latencies,
    serviceTimes,
  };
}
