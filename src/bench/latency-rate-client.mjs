// The fixed-rate load generator of `chorus bench latency`, run as its own process: offers RATE requests per second
// of POST /v1/search over at most CONNECTIONS keep-alive connections for DURATION seconds (open loop, see
// open-loop.mjs); latency counts from each request's due time. Prints one JSON line like latency-client.mjs plus
// the offered and achieved rates and each answer's service time (from its actual send).
// Usage: node latency-rate-client.mjs URL BODIES.json CONNECTIONS RATE DURATION_S
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { driveOpenLoop } from './open-loop.mjs';

const [url, bodiesFile, connections, rate, duration] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')).map((b) => Buffer.from(b));
const target = new URL('/v1/search', url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const stages = {};
let non2xx = 0;
let unparsable = 0;

/** One request; resolves when its whole answer has arrived. */
const send = (i) =>
  new Promise((resolve) => {
    const body = bodies[i % bodies.length];
    let sentAt;
    const req = http.request(target, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    req.on('socket', () => (sentAt = performance.now()));
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          non2xx++;
          return resolve({ ok: false });
        }
        try {
          const timings = JSON.parse(Buffer.concat(chunks).toString()).timings ?? {};
          for (const [stage, ms] of Object.entries(timings)) (stages[stage] ??= []).push(ms);
        } catch {
          unparsable++;
        }
        resolve({ ok: true, sentAt });
      });
      res.on('error', () => resolve({ ok: false }));
    });
    req.on('error', () => resolve({ ok: false }));
    req.end(body);
  });

const cpu0 = process.cpuUsage();
const r = await driveOpenLoop({
  rate: Number(rate),
  seconds: Number(duration),
  now: () => performance.now(),
  sleep: (ms) => sleep(ms),
  send,
});
const cpu = process.cpuUsage(cpu0);
agent.destroy();
process.stdout.write(
  JSON.stringify({
    cpuMs: (cpu.user + cpu.system) / 1000,
    requests: r.issued,
    seconds: r.seconds,
    errors: r.errors - non2xx,
    timeouts: 0,
    non2xx,
    unparsable,
    offeredRate: r.offeredRate,
    achievedRate: r.achievedRate,
    latencies: r.latencies,
    serviceTimes: r.serviceTimes,
    stages,
  }) + '\n',
);
