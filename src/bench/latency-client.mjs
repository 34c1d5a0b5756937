// The load generator of `chorus bench latency`, run as its own process so it does not share the server's
// event loop: autocannon with `connections` clients POSTing /v1/search bodies in turn for `duration` seconds.
// Prints one JSON line: request counts, each response's latency (ms), each 200 response's stage timings and the
// CPU time (ms) this process spent generating the load.
// Usage: node latency-client.mjs URL BODIES.json CONNECTIONS DURATION_S
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, bodiesFile, connections, duration] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8'));
let next = 0;
let unparsable = 0;
const latencies = [];
const stages = {};
const cpu0 = process.cpuUsage();
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(duration),
  requests: [
    {
      method: 'POST',
      path: '/v1/search',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      onResponse: (status, body) => {
        if (status !== 200) return;
        try {
          for (const [stage, ms] of Object.entries(JSON.parse(body).timings ?? {}))
            (stages[stage] ??= []).push(ms);
        } catch {
          unparsable++;
        }
      },
    },
  ],
  setupClient: (client) =>
    client.on('response', (_status, _bytes, responseTime) => latencies.push(responseTime)),
});
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({
    cpuMs: (cpu.user + cpu.system) / 1000,
    requests: result.requests.total,
    seconds: result.duration,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    unparsable,
    latencies,
    stages,
  }) + '\n',
);
