import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createEncoderRegistry, type EncoderRegistry } from '../../indexers/registry.js';
import { LiveReranker } from '../../rerankers/live-reranker.js';
import { generateMultimodalWorld } from '../../rerankers/simulation/multimodal-world.js';
import { simulateTraffic } from '../../rerankers/simulation/simulate-traffic.js';
import { buildChorus, type Chorus } from '../../src/app/build.js';
import { servedExtras } from '../../src/app/extras.js';
import { indexQuickstart, QUICKSTART_COLLECTION } from '../../src/app/quickstart-index.js';
import { parseConfig } from '../../src/config.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { launchChromium, watchOffHostRequests } from '../support/chromium.js';

export const ADMIN_KEY = 'admin-key-for-the-browser-suite-0123456789';
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const corpusFile = (name: string) => path.join(ROOT, 'fixtures/corpus', name);

/** One real server (quickstart corpus in LanceDB, tiny fixture encoders, wired as `chorus serve`) and one browser. */
export interface AdminWorld {
  dir: string;
  chorus: Chorus;
  live: LiveReranker;
  url: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests to anything but 127.0.0.1, and responses with status 404, seen by the page. */
  offHost: string[];
  notFound: string[];
  /** Replays `days` days of simulated sessions through the live ranker and logs them as the server's own impressions. */
  addTraffic(days: number, opts?: { sessions?: number; tag?: string }): Promise<void>;
  login(): Promise<void>;
  close(): Promise<void>;
}

export async function startAdminWorld(o: { interleaveShare?: number } = {}): Promise<AdminWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-admin-'));
  const config = parseConfig({
    dataDir: dir,
    logLevel: 'silent',
    adminKey: ADMIN_KEY,
    modelDir: path.join(ROOT, 'fixtures/models'),
    executionProviders: ['cpu'],
    allowRemoteModels: false,
    models: {
      text: 'chorus-test/tiny-text',
      image: 'chorus-test/tiny-clip',
      audio: 'chorus-test/tiny-clap',
    },
    search: { interleaveShare: o.interleaveShare ?? 0 },
  });
  const encoders: EncoderRegistry = await createEncoderRegistry(config, {
    settings: { log: () => {} },
  });
  await indexQuickstart(config, encoders);
  const chorus = await buildChorus(config, { encoders, extraRouters: servedExtras(() => {}) });
  const live = chorus.engine.rerankers.get('model') as LiveReranker;
  const { url } = await chorus.listen(0, '127.0.0.1');
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const offHost = watchOffHostRequests(page);
  const notFound: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 404) notFound.push(r.url());
  });
  const world = generateMultimodalWorld({ queries: 60, seed: 21 });
  let batches = 0;
  return {
    dir,
    chorus,
    live,
    url,
    browser,
    context,
    page,
    offHost,
    notFound,
    async addTraffic(days, t = {}) {
      const today = Date.now();
      const tag = t.tag ?? `b${batches++}`;
      for (let d = 0; d < days; d++) {
        const events = await simulateTraffic(world, live, {
          collection: QUICKSTART_COLLECTION,
          sessions: t.sessions ?? 50,
          seed: 3 + d + batches * 100,
          swapShare: 0.1,
          startTime: today - (days - d) * 86_400_000,
        });
        // Ranked by the server's own live reranker: logged as the server logs served impressions (trainable rows).
        chorus.db.events.append(
          events.map((e) => ({
            ...e,
            eventId: `${tag}d${d}-${e.eventId}`,
            queryId: `${tag}d${d}-${e.queryId}`,
          })),
          { origin: 'server', rowShape: FEATURE_ROW_SHAPE },
        );
      }
    },
    async login() {
      await page.goto(`${url}/admin`);
      await page.getByLabel('Admin key').fill(ADMIN_KEY);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('navigation', { name: 'Screens' }).waitFor();
    },
    async close() {
      await browser.close();
      await live.close();
      await chorus.close();
      await encoders.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
