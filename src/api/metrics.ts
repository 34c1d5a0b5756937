import type { RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One prom-client registry per app (no global state): request latency per route, latency per engine stage. */
export interface ApiMetrics {
  registry: Registry;
  observeStage(stage: string, seconds: number): void;
  middleware: RequestHandler;
  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number): void;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'chorus_' });
  const http = new Histogram({
    name: 'chorus_http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const stages = new Histogram({
    name: 'chorus_stage_duration_seconds',
    help: 'Engine stage latency (encode, retrieve, ann:<vector>, bm25, priors, rerank, diversify, log)',
    labelNames: ['stage'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = http.startTimer();
    res.on('finish', () => {
      // The route template, not the raw path, keeps label cardinality bounded.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ route, method: req.method, status: String(res.statusCode) });
    });
    next();
  };
  return {
    registry,
    observeStage: (stage, seconds) => stages.observe({ stage }, seconds),
    middleware,
    gauge: (name, help, read) => {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
  };
}
