export interface OpenLoopResult {
  offeredRate: number;
  issued: number;
  errors: number;
  /** Answers per second from the first due time to the last answer. */
  achievedRate: number;
  sendingSeconds: number;
  seconds: number;
  /** ms from each answered request's due time to its answer (corrected for coordinated omission). */
  latencies: number[];
  /** ms from each answered request's actual send to its answer (what a closed loop would record). */
  serviceTimes: number[];
}

export function driveOpenLoop(o: {
  rate: number;
  seconds: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  send: (i: number) => Promise<{ ok: boolean; sentAt?: number }>;
}): Promise<OpenLoopResult>;
