import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEncoderRegistry, type EncoderRegistry } from '../../indexers/registry.js';
import { LiveReranker } from '../../rerankers/live-reranker.js';
import { generateMultimodalWorld } from '../../rerankers/simulation/multimodal-world.js';
import { simulateTraffic } from '../../rerankers/simulation/simulate-traffic.js';
import { buildChorus, type Chorus } from '../../src/app/build.js';
import { servedExtras } from '../../src/app/extras.js';
import { indexQuickstart, QUICKSTART_COLLECTION } from '../../src/app/quickstart-index.js';
import { parseConfig } from '../../src/config.js';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import {
  chromiumAvailable,
  launchChromium,
  screenshot,
  watchOffHostRequests,
} from '../support/chromium.js';

const ADMIN_KEY = 'admin-key-for-the-browser-suite-0123456789';
const ROOT = path.resolve(import.meta.dirname, '../..');
// A page answers in well under a second on an idle machine, but CI and a shared 2-core box can be slower than
// expect.poll's 1 s default: polls wait up to 15 s (each still ends as soon as its condition holds).
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 100 } } });
const run = chromiumAvailable('admin UI browser tests');

/** The admin UI in real Chromium against the real server: quickstart corpus in LanceDB, tiny fixture encoders. */
describe.runIf(run)('admin UI in Chromium', () => {
  let dir: string;
  let encoders: EncoderRegistry;
  let chorus: Chorus;
  let live: LiveReranker;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let offHost: string[];
  let world: ReturnType<typeof generateMultimodalWorld>;

  const hitIds = (testid: string) =>
    page
      .locator(`[data-testid="${testid}"] li.hit`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-admin-'));
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
      search: { interleaveShare: 0.5 },
      // Counted afresh at each request: the query box asks for suggestions from the first screen on.
      suggestions: { refreshSeconds: 0 },
    });
    encoders = await createEncoderRegistry(config, { settings: { log: () => {} } });
    await indexQuickstart(config, encoders);
    // Wired exactly as `chorus serve` does: learned reranker + /v1/models + admin UI over one model registry.
    chorus = await buildChorus(config, { encoders, extraRouters: servedExtras(() => {}) });
    live = chorus.engine.rerankers.get('model') as LiveReranker;
    expect(live).toBeInstanceOf(LiveReranker);
    // Logged traffic with served feature rows, so "Train" has clicks to learn from and the charts have data.
    // Eight days of 50 sessions each, so the CTR chart has a series to draw.
    world = generateMultimodalWorld({ queries: 60, seed: 21 });
    const today = Date.now();
    for (let d = 0; d < 8; d++) {
      const events = await simulateTraffic(world, live, {
        collection: QUICKSTART_COLLECTION,
        sessions: 50,
        seed: 3 + d,
        swapShare: 0.1,
        startTime: today - (8 - d) * 86_400_000,
      });
      // Ranked by the server's live reranker: logged as the server logs what it serves (trainable feature rows).
      chorus.db.events.append(
        events.map((e) => ({ ...e, eventId: `d${d}-${e.eventId}`, queryId: `d${d}-${e.queryId}` })),
        { origin: 'server', rowShape: FEATURE_ROW_SHAPE },
      );
    }
    ({ url } = await chorus.listen(0, '127.0.0.1'));

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    offHost = watchOffHostRequests(page);
  });

  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await chorus?.close();
    await encoders?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the admin key into an HttpOnly SameSite=Strict session, and refuses writes without the CSRF token', async () => {
    await page.goto(`${url}/admin`);
    await page.getByLabel('Admin key').fill('not-the-admin-key');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the admin key');
    await screenshot(page, '01-login');

    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Screens' }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'chorus_admin');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.path).toBe('/admin');

    const status = await page.evaluate(async () => {
      const body = JSON.stringify({ fusion: 'rrf' });
      const noToken = await fetch('/admin/api/presets/forged', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return noToken.status;
    });
    expect(status).toBe(403);
    // Without the cookie (another client), the admin API is closed.
    const anonymous = await fetch(`${url}/admin/api/overview`);
    expect(anonymous.status).toBe(401);
  });

  it('runs a query in the playground: two rankers side by side with thumbnails, share bars and rank moves', async () => {
    await page.goto(`${url}/admin#/playground`);
    await page.getByLabel('Query', { exact: true }).fill('blue jersey');
    await page.getByLabel('Right ranker').selectOption('dbsf');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await hitIds('left-results')).length).toBe(10);
    expect((await hitIds('right-results')).length).toBe(10);
    const first = page.locator('[data-testid="left-results"] li.hit').first();
    expect(await first.locator('.sharebar .seg').count()).toBeGreaterThan(0);
    // Titles mark the words the lexical list matched (as the index analyzes them: "jerseys" would be marked too).
    const marks = await page.locator('[data-testid="left-results"] .title mark').allTextContents();
    expect(marks.length).toBeGreaterThan(0);
    for (const m of marks) expect(['blue', 'jersey', 'jerseys']).toContain(m.toLowerCase());
    // Below the title, the snippet of the item's text marks them too (the window the engine chose).
    const snippetMarks = await page
      .locator('[data-testid="left-results"] .snippet[data-field="text"] mark')
      .allTextContents();
    expect(snippetMarks.length).toBeGreaterThan(0);
    for (const m of snippetMarks) expect(['blue', 'jersey', 'jerseys']).toContain(m.toLowerCase());
    // Product photos come from the item's indexed file through the admin media route.
    const img = page.locator('[data-testid="left-results"] img').first();
    await expect
      .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    await screenshot(page, '02-playground');

    // As you type: no Search click; the unfinished last word "jers" is read as the words it begins ("Jersey").
    // From results that mark no "jersey", so the marks below can only come from the typed query.
    const marked = async () =>
      (await page.locator('[data-testid="left-results"] .title mark').allTextContents()).map((m) =>
        m.toLowerCase(),
      );
    await page.getByLabel('Query', { exact: true }).fill('shoes');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(marked)
      .toSatisfy((m: string[]) => m.length > 0 && !m.includes('jersey') && !m.includes('blue'));
    await page.getByLabel('As you type').check();
    await page.getByLabel('Query', { exact: true }).fill('');
    await page.getByLabel('Query', { exact: true }).pressSequentially('blue jers', { delay: 30 });
    // The link follows the typed query once its results are in.
    await expect.poll(() => page.url()).toMatch(/q=blue(\+|%20)jers&.*live=1/);
    await expect.poll(marked).toContain('jersey');
    await screenshot(page, '02a-playground-as-you-type');
    await page.getByLabel('As you type').uncheck();

    // Query by image: the product's own photo finds it through the CLIP image vectors.
    await page.getByLabel('Query', { exact: true }).fill('');
    await page
      .getByLabel('Image', { exact: true })
      .setInputFiles(path.join(ROOT, 'fixtures/corpus/product-1163.jpg'));
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(async () => (await hitIds('left-results')).slice(0, 3))
      .toContain('product-1163');
    expect(await page.locator('.summary').textContent()).toContain('image');
    await screenshot(page, '02b-playground-image-query');

    // A payload filter is pushed down to every list: only footwear comes back.
    await page.getByLabel('Filter').fill('category=Footwear');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => page.locator('[data-testid="left-results"] li.hit .meta').allTextContents())
      .toSatisfy(
        (metas: string[]) => metas.length > 0 && metas.every((m) => m.includes('Footwear')),
      );

    // Sorted by a payload field (as `chorus search --sort year:desc`): both columns newest first, each hit showing
    // its year; the sort stays in the link. A bad order is named, and the last answer is not left under it.
    const years = (testid: string) =>
      page
        .locator(`[data-testid="${testid}"] li.hit .sortval[data-field="year"] b`)
        .allTextContents();
    const unsorted = await hitIds('left-results');
    await page.getByLabel('Sort', { exact: true }).fill('year:desc');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => years('left-results')).toHaveLength(unsorted.length);
    for (const side of ['left-results', 'right-results']) {
      const ys = (await years(side)).map(Number);
      expect(ys.every((y) => Number.isInteger(y))).toBe(true);
      expect(ys).toEqual([...ys].sort((a, b) => b - a));
    }
    expect(await page.getByTestId('sorted-by').textContent()).toContain('year (high to low)');
    expect(page.url()).toContain('sort=year%3Adesc');
    await screenshot(page, '02c-playground-sorted');
    await page.getByLabel('Sort', { exact: true }).fill('year:down');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('FIELD or FIELD:asc|desc');
    expect(await hitIds('left-results')).toEqual([]);
    await page.getByLabel('Sort', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => hitIds('left-results')).toEqual(unsorted);
  });

  it('refines by facet values in the playground sidebar: counts over the candidates, ticked values narrow both sides', async () => {
    await page.goto(`${url}/admin#/playground?c=${QUICKSTART_COLLECTION}&q=bag`);
    const sidebar = page.getByTestId('facet-sidebar');
    const values = (field: string) =>
      sidebar.locator(`fieldset[data-field="${field}"] label.facet-value`).allTextContents();
    await expect.poll(async () => (await values('category')).length).toBeGreaterThan(1);
    const before = await values('category');
    const unfiltered = await hitIds('left-results');
    // The first category listed: tick it, and every hit on both sides is of it.
    const first = sidebar.locator('fieldset[data-field="category"] label.facet-value').first();
    const name = (await first.locator('span').first().textContent())!;
    await first.getByRole('checkbox').check();
    for (const side of ['left-results', 'right-results'])
      await expect
        .poll(() => page.locator(`[data-testid="${side}"] li.hit .meta`).allTextContents())
        .toSatisfy((metas: string[]) => metas.length > 0 && metas.every((m) => m.includes(name)));
    // Disjunctive: the other categories keep their counts, so the user can switch or add one.
    expect(await values('category')).toEqual(before);
    expect(decodeURIComponent(page.url())).toContain(`facets={"category":["${name}"]}`);
    await screenshot(page, '02d-playground-facets');
    await first.getByRole('checkbox').uncheck();
    await expect.poll(() => hitIds('left-results')).toEqual(unfiltered);
    // A field with more values than it lists (the corpus has 77 tags) shows ten and finds the rest by name: "zero"
    // (3 spoken digits) is not among the ten most frequent, typing finds it, and ticking it narrows both sides.
    const tags = sidebar.locator('fieldset[data-field="tags"]');
    await expect.poll(async () => (await values('tags')).length).toBe(10);
    expect(await tags.getByTestId('facet-more').textContent()).toMatch(
      /^\d+ more among the candidates/,
    );
    expect((await values('tags')).some((t) => t.startsWith('zero'))).toBe(false);
    await tags.getByLabel('Find a tags value').fill('ZER');
    await expect.poll(() => values('tags')).toEqual(['zero 3']);
    await tags.locator('label.facet-value').first().getByRole('checkbox').check();
    for (const side of ['left-results', 'right-results'])
      await expect
        .poll(() => hitIds(side))
        .toSatisfy(
          (ids: (string | null)[]) =>
            ids.length === 3 && ids.every((id) => id?.startsWith('digit-0-')),
        );
    expect(decodeURIComponent(page.url())).toContain('facets={"tags":["zero"]}');
    await screenshot(page, '02e-playground-facet-find');
    // Clearing the box keeps the ticked value listed (beside the ten), so it can be unticked.
    await tags.getByLabel('Find a tags value').fill('');
    await expect.poll(async () => (await values('tags')).length).toBe(11);
    // Unticked, it leaves the list again (not among the ten): click, not uncheck, which would look for it after.
    await tags.locator('label.facet-value', { hasText: 'zero' }).getByRole('checkbox').click();
    await expect.poll(() => hitIds('left-results')).toEqual(unfiltered);
    expect(await values('tags')).toHaveLength(10);
  });

  it('re-ranks live when a weight slider moves, and applies a saved preset as the collection default', async () => {
    await page.goto(`${url}/admin#/tuning`);
    // The query is shared across screens: drop the playground's image and filter.
    await page.getByRole('button', { name: 'Remove the query image' }).click();
    await page.getByLabel('Filter').fill('');
    await page.getByLabel('Query', { exact: true }).fill('blue jersey');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await hitIds('tuned-results')).length).toBe(10);
    const before = (await hitIds('tuned-results')).join(',');
    // Keyboard: focus a source's slider and press Home (weight 0); try sources until the order moves.
    const sliders = page.locator('.knobs input[type=range][id^="w-"]');
    expect(await sliders.count()).toBeGreaterThan(1);
    let changed = false;
    for (let i = 0; i < (await sliders.count()) && !changed; i++) {
      await sliders.nth(i).focus();
      await page.keyboard.press('Home');
      changed = await expect
        .poll(async () => (await hitIds('tuned-results')).join(','), { timeout: 3000 })
        .not.toBe(before)
        .then(
          () => true,
          () => false,
        );
    }
    expect(changed).toBe(true);
    const tuned = await hitIds('tuned-results');
    await expect
      .poll(() => page.locator('[data-testid="tuned-results"] li.hit.changed').count())
      .toBeGreaterThan(0);

    await screenshot(page, '03-tuning');

    await page.getByLabel('Preset name').fill('tuned-blue');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('button', { name: 'Apply' }).first().click();
    await expect.poll(() => page.getByTestId('applied-preset').textContent()).toBe('tuned-blue');
    await screenshot(page, '03b-tuning-preset-applied');
    // The public search path now ranks with the preset by default.
    const served = await chorus.engine.search({
      collection: QUICKSTART_COLLECTION,
      query: { text: 'blue jersey' },
      limit: 10,
    });
    expect(served.hits.map((h) => h.id)).toEqual(tuned);
  });

  it('saves synonyms on the tuning screen: the next query searches them, a bad group is refused', async () => {
    await page.goto(`${url}/admin#/tuning`);
    await page.getByLabel('Query', { exact: true }).fill('zorblax');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await hitIds('tuned-results')).length).toBeGreaterThan(0);
    const bm25Bars = () =>
      page.locator('[data-testid="tuned-results"] .sharebar[aria-label*="bm25"]').count();
    expect(await bm25Bars()).toBe(0);
    const panel = page.locator('section[aria-labelledby="tu-synonyms-h"]');
    await page.getByLabel('Synonym groups').fill('zorblax, jersey\nflumph => sandal');
    await page.getByRole('button', { name: 'Save synonyms' }).click();
    await expect
      .poll(() => panel.getByRole('status').textContent())
      .toBe('Saved 1 group and 1 one-way rule.');
    // Saving re-runs the query: BM25 now answers it through the synonym, and the list says so.
    await expect.poll(bm25Bars).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid="tuned-results"] ul.notes').textContent())
      .toContain('synonyms added "jersey"');
    await screenshot(page, '03c-tuning-synonyms');
    const saved = {
      groups: [['zorblax', 'jersey']],
      rules: [{ from: ['flumph'], to: ['sandal'] }],
    };
    expect(await chorus.engine.synonyms(QUICKSTART_COLLECTION)).toEqual(saved);
    await page.getByLabel('Synonym groups').fill('zorblax, the');
    await page.getByRole('button', { name: 'Save synonyms' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('no searchable word');
    expect(await chorus.engine.synonyms(QUICKSTART_COLLECTION)).toEqual(saved);
    // The box is read by the CLI's parser: a bad line is named.
    await page.getByLabel('Synonym groups').fill('zorblax, jersey\nlonely');
    await page.getByRole('button', { name: 'Save synonyms' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toContain('line 2: a group needs two');
    expect(await chorus.engine.synonyms(QUICKSTART_COLLECTION)).toEqual(saved);
    await page.getByLabel('Synonym groups').fill('');
    await page.getByRole('button', { name: 'Save synonyms' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('No synonyms.');
    expect(await chorus.engine.synonyms(QUICKSTART_COLLECTION)).toEqual({ groups: [], rules: [] });
  });

  it('shows the settings document on the tuning screen and applies a pasted one to every box', async () => {
    await page.goto(`${url}/admin#/tuning?c=${QUICKSTART_COLLECTION}`);
    const doc = page.getByLabel('Settings document (JSON)');
    await expect
      .poll(async () => JSON.parse((await doc.inputValue()) || '{}').synonyms)
      .toEqual({ groups: [], rules: [] });
    const panel = page.locator('section[aria-labelledby="tu-settings-h"]');
    // A part's own box saving shows in the document.
    await page.getByLabel('Synonym groups').fill('sofa, couch');
    await page.getByRole('button', { name: 'Save synonyms' }).click();
    await expect
      .poll(async () => JSON.parse(await doc.inputValue()).synonyms.groups)
      .toEqual([['sofa', 'couch']]);
    // A pasted document replaces the parts it has; the boxes read them again.
    await doc.fill('{"synonyms": {"groups": [["lamp", "light"]]}}');
    await page.getByRole('button', { name: 'Replace settings' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('Applied.');
    await expect.poll(() => page.getByLabel('Synonym groups').inputValue()).toBe('lamp, light\n');
    expect(await chorus.engine.synonyms(QUICKSTART_COLLECTION)).toEqual({
      groups: [['lamp', 'light']],
      rules: [],
    });
    // A refused document is named and changes nothing.
    await doc.fill('{"synonyms": {"groups": []}, "lexical": {"fieldWeights": {"price": 2}}}');
    await page.getByRole('button', { name: 'Replace settings' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toContain('"price" is not a text field');
    expect((await chorus.engine.synonyms(QUICKSTART_COLLECTION)).groups).toEqual([
      ['lamp', 'light'],
    ]);
    await doc.fill('{"synonyms": {"groups": []}}');
    await page.getByRole('button', { name: 'Replace settings' }).click();
    await expect.poll(() => page.getByLabel('Synonym groups').inputValue()).toBe('');
    // The default ranking is part of the document too.
    expect(Object.keys(JSON.parse(await doc.inputValue()))).toContain('ranking');
    // Suggestion exclusions: one expression a line, shown in the document; a line without a word is refused.
    const exclusions = page.getByLabel('Never suggested');
    const exclusionsPanel = page.locator('section[aria-labelledby="tu-exclusions-h"]');
    await exclusions.fill('free\n  cheap knockoff \n\n');
    await page.getByRole('button', { name: 'Save exclusions' }).click();
    await expect
      .poll(() => exclusionsPanel.getByRole('status').textContent())
      .toBe('Saved 2 excluded expressions.');
    expect(await chorus.engine.suggestionSettings(QUICKSTART_COLLECTION)).toEqual({
      exclude: ['free', 'cheap knockoff'],
    });
    await expect
      .poll(async () => JSON.parse(await doc.inputValue()).suggestions.exclude)
      .toEqual(['free', 'cheap knockoff']);
    await exclusions.fill('free\n---');
    await page.getByRole('button', { name: 'Save exclusions' }).click();
    await expect
      .poll(() => exclusionsPanel.getByRole('alert').textContent())
      .toContain('needs a letter or digit');
    expect((await chorus.engine.suggestionSettings(QUICKSTART_COLLECTION)).exclude).toHaveLength(2);
    await doc.fill('{"suggestions": {"exclude": []}}');
    await page.getByRole('button', { name: 'Replace settings' }).click();
    await expect.poll(() => exclusions.inputValue()).toBe('');
  });

  it('saves curation rules on the tuning screen: the query shows the promoted item first, marked, and not the hidden one', async () => {
    await page.goto(`${url}/admin#/tuning`);
    await page.getByLabel('Query', { exact: true }).fill('blue jersey');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await hitIds('tuned-results')).length).toBeGreaterThan(3);
    const before = await hitIds('tuned-results');
    const top = before[0]!;
    const last = before.at(-1)!;
    const panel = page.locator('section[aria-labelledby="tu-curations-h"]');
    await page
      .getByLabel('Curation rules')
      .fill(`# merchandising\nquery: Blue Jersey\npromote: ${last}\nhide: ${top}`);
    await page.getByRole('button', { name: 'Save curations' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('Saved 1 rule.');
    // Saving re-runs the query: the promoted item leads, badged; the hidden one is gone.
    await expect.poll(async () => (await hitIds('tuned-results'))[0]).toBe(last);
    const first = page.locator('[data-testid="tuned-results"] li.hit').first();
    expect(await first.locator('.badge.promoted').textContent()).toBe('promoted');
    expect(await hitIds('tuned-results')).not.toContain(top);
    expect(await page.locator('[data-testid="tuned-results"] .badge.promoted').count()).toBe(1);
    await screenshot(page, '03d-tuning-curations');
    const saved = {
      rules: [{ query: 'Blue Jersey', match: 'exact', promote: [last], hide: [top] }],
    };
    expect(await chorus.engine.curations(QUICKSTART_COLLECTION)).toEqual(saved);
    // The box is read by the CLI's parser: a bad line is named and nothing is stored.
    await page.getByLabel('Curation rules').fill('query: blue jersey\nboost: 2');
    await page.getByRole('button', { name: 'Save curations' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toContain('line 2: unknown key "boost"');
    expect(await chorus.engine.curations(QUICKSTART_COLLECTION)).toEqual(saved);
    await page.getByLabel('Curation rules').fill('');
    await page.getByRole('button', { name: 'Save curations' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('No curation rules.');
    expect(await chorus.engine.curations(QUICKSTART_COLLECTION)).toEqual({ rules: [] });
    await expect.poll(async () => (await hitIds('tuned-results'))[0]).toBe(top);

    // One click on a result: pin it to the top for this query, hide another, unpin.
    const [, second, third] = (await hitIds('tuned-results')) as string[];
    const tuned = page.getByTestId('tuned-results');
    const button = (id: string, name: RegExp) =>
      tuned.locator(`li.hit[data-id="${id}"]`).getByRole('button', { name });
    await button(third!, /^pin /).click();
    await expect.poll(async () => (await hitIds('tuned-results'))[0]).toBe(third);
    await expect
      .poll(() => page.getByLabel('Curation rules').inputValue())
      .toBe(`query: blue jersey\npromote: ${third}\n`);
    await button(second!, /^hide /).click();
    await expect.poll(async () => (await hitIds('tuned-results')).includes(second!)).toBe(false);
    await button(third!, /^unpin /).click();
    await expect.poll(async () => (await hitIds('tuned-results'))[0]).toBe(top);
    expect(await chorus.engine.curations(QUICKSTART_COLLECTION)).toEqual({
      rules: [{ query: 'blue jersey', match: 'exact', promote: [], hide: [second] }],
    });
    await screenshot(page, '03e-tuning-pin-hide');
    await chorus.engine.setCurations(QUICKSTART_COLLECTION, { rules: [] });
  });

  it('sets BM25 field weights and the language on the tuning screen: the rebuild job runs and they are stored', async () => {
    await page.goto(`${url}/admin#/tuning`);
    const panel = page.locator('section[aria-labelledby="tu-fw-h"]');
    const title = page.getByLabel('title', { exact: true });
    const language = page.getByLabel('Language', { exact: true });
    await expect.poll(() => title.inputValue()).toBe('1');
    await expect.poll(() => language.inputValue()).toBe('english');
    const documents = chorus.engine.deps.bm25.count(QUICKSTART_COLLECTION);
    await title.fill('3');
    await language.selectOption('none');
    await page.getByRole('button', { name: 'Save and rebuild' }).click();
    await expect
      .poll(() => panel.getByRole('status').textContent())
      .toBe(
        `Rebuilt ${await chorus.engine.store.count(QUICKSTART_COLLECTION)} BM25 documents with these settings.`,
      );
    expect(await chorus.engine.lexicalSettings(QUICKSTART_COLLECTION)).toEqual({
      fieldWeights: { title: 3 },
      language: 'none',
    });
    expect(chorus.engine.lexicalIndexLanguage(QUICKSTART_COLLECTION)).toBe('none');
    expect(chorus.engine.deps.bm25.count(QUICKSTART_COLLECTION)).toBe(documents);
    await screenshot(page, '03f-tuning-field-weights');
    // Back to flat English, rebuilt again, so the screens after this one rank as before.
    await title.fill('1');
    await language.selectOption('english');
    await page.getByRole('button', { name: 'Save and rebuild' }).click();
    // Stored first (the click cleared the first rebuild's status), then rebuilt.
    await expect
      .poll(() => chorus.engine.lexicalSettings(QUICKSTART_COLLECTION))
      .toEqual({ fieldWeights: {}, language: 'english' });
    await expect
      .poll(() => panel.getByRole('status').textContent())
      .toMatch(/^Rebuilt \d+ BM25 documents/);
    expect(chorus.engine.lexicalIndexLanguage(QUICKSTART_COLLECTION)).toBe('english');
  });

  it('lists the most searched queries and those without results, each opening the tuning screen', async () => {
    const search = async (body: Record<string, unknown>) => {
      const r = await fetch(`${url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ collection: QUICKSTART_COLLECTION, limit: 5, ...body }),
      });
      expect(r.status).toBe(200);
      return (await r.json()) as { hits: unknown[] };
    };
    for (let i = 0; i < 5; i++) await search({ text: 'Walnut lamp', userId: `shopper${i}` });
    // Vectors always find neighbours: a search finds nothing when its filter leaves nothing.
    const none = await search({
      text: 'qqxyzz',
      filter: { must: [{ key: 'category', match: { value: 'no-such-category' } }] },
    });
    expect(none.hits).toEqual([]);
    await chorus.engine.flush();
    await page.goto(`${url}/admin#/queries?c=${QUICKSTART_COLLECTION}`);
    const top = page.getByTestId('top-queries');
    await expect
      .poll(() => top.locator('tr[data-query="walnut lamp"] td').nth(1).textContent())
      .toBe('5');
    // Searched five times with results and never clicked: among the lowest click-through, no click position.
    const lowCtr = page.getByTestId('low-ctr-queries').locator('tr[data-query="walnut lamp"] td');
    expect(await lowCtr.nth(4).textContent()).toBe('0%');
    expect(await lowCtr.nth(5).textContent()).toBe('—');
    const failing = page.getByTestId('no-result-queries');
    await expect
      .poll(() => failing.locator('tr[data-query="qqxyzz"] td').nth(2).textContent())
      .toBe('1');
    expect(await page.getByTestId('qa-summary').textContent()).toMatch(
      /text searches · \d+% found nothing/,
    );
    await screenshot(page, '04b-queries');
    await failing.getByRole('link', { name: 'qqxyzz' }).click();
    await expect.poll(() => page.getByLabel('Query', { exact: true }).inputValue()).toBe('qqxyzz');
    expect(page.url()).toContain('#/tuning');
    // The query box suggests what five people searched (a query needs three), as the API's suggestions.
    await page.getByLabel('Query', { exact: true }).fill('walnut l');
    await expect
      .poll(() =>
        page
          .getByTestId('tu-suggestions')
          .locator('option')
          .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
      )
      .toEqual(['walnut lamp']);
  });

  it('previews recommendations: trending and popular shelves, a user, never logged', async () => {
    const call = async (route: string, body: unknown) => {
      const r = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify(body),
      });
      expect(r.status, await r.clone().text()).toBe(200);
      return (await r.json()) as { items: { id: string }[] };
    };
    const [a, b, c] = (
      await call('/v1/items/scroll', { collection: QUICKSTART_COLLECTION, limit: 3 })
    ).items.map((i) => i.id);
    const ev = (type: string, eventId: string, itemId: string, ago = 0) => ({
      type,
      eventId,
      collection: QUICKSTART_COLLECTION,
      userId: `fan-${eventId}`,
      itemId,
      timestamp: Date.now() - ago,
    });
    // b: bought often, long ago; a: liked today; c: clicked today.
    await call('/v1/feedback', {
      events: [
        ...[1, 2, 3].map((n) => ev('purchase', `old${n}`, b!, 40 * 86_400_000)),
        ev('like', 'new1', a!),
        ev('click', 'new2', c!),
      ],
    });
    await chorus.engine.flush();
    const logged = () =>
      chorus.db.events.count({ collection: QUICKSTART_COLLECTION, types: ['impression'] });
    const before = logged();
    const order = async () => {
      const ids = await hitIds('recommend-results');
      return [a, c, b].map((id) => ids.indexOf(id!)).map((i) => (i < 0 ? Infinity : i));
    };
    await page.goto(`${url}/admin#/recommend?c=${QUICKSTART_COLLECTION}&mode=trending`);
    await expect.poll(async () => (await hitIds('recommend-results')).length).toBeGreaterThan(2);
    const [ta, tc, tb] = await order();
    expect(ta).toBeLessThan(tc!);
    expect(tc).toBeLessThan(tb!);
    await screenshot(page, '04c-recommend-trending');
    await page.getByLabel('Recommend', { exact: true }).selectOption('popular');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(async () => (await order())[2]).toBeLessThan((await order())[0]!);
    expect(page.url()).toContain('mode=popular');
    // A user: their profile (they liked a), seen items left out.
    await page.getByLabel('Recommend', { exact: true }).selectOption('user');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Type a user id.');
    await page.getByLabel('User id').fill('fan-new1');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(async () => (await hitIds('recommend-results')).length).toBeGreaterThan(0);
    expect(await hitIds('recommend-results')).not.toContain(a);
    expect(logged()).toBe(before);
  });

  it('grades a result and sees the offline metrics update', async () => {
    await page.goto(`${url}/admin#/judgments`);
    await page.getByLabel('Query to judge').fill('blue jersey');
    await page.getByRole('button', { name: 'Pool results' }).click();
    const firstRow = page.locator('[data-testid="pool"] tbody tr').first();
    await firstRow.waitFor();
    await firstRow.getByRole('radio', { name: '4' }).click();
    await expect
      .poll(async () => Number(await page.getByTestId('mean-ndcg-a').textContent()))
      .toBeGreaterThan(0);
    expect(
      chorus.db.judgments.list(QUICKSTART_COLLECTION, 'blue jersey').map((j) => j.grade),
    ).toEqual([4]);
    await page
      .locator('[data-testid="pool"] tbody tr')
      .nth(1)
      .getByRole('radio', { name: '2' })
      .click();
    await expect.poll(() => page.locator('[data-testid="eval-table"] tbody tr').count()).toBe(1);
    // The grade is shown before the keyboard raises it (a key pressed before the save answers raises from none).
    await expect
      .poll(() =>
        page
          .locator('[data-testid="pool"] tbody tr')
          .nth(1)
          .getByRole('radio', { name: '2' })
          .getAttribute('aria-checked'),
      )
      .toBe('true');
    // Keyboard: the grade group is one tab stop; ArrowRight raises the grade.
    await page
      .locator('[data-testid="pool"] tbody tr')
      .nth(1)
      .getByRole('radio', { name: '2' })
      .focus();
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() =>
        chorus.db.judgments.list(QUICKSTART_COLLECTION, 'blue jersey').map((j) => j.grade),
      )
      .toEqual([4, 3]);
    await screenshot(page, '04-judgments');
    // Regrading the only perfect item 0 drops nDCG@10 of both rankers to 0 for that item's share.
    await firstRow.getByRole('radio', { name: '0' }).click();
    await expect
      .poll(() =>
        chorus.db.judgments.list(QUICKSTART_COLLECTION, 'blue jersey').find((j) => j.grade === 0),
      )
      .toBeTruthy();

    // With judgments, the tuning screen scores the knobs offline as they move.
    await page.goto(`${url}/admin#/tuning`);
    await page.getByLabel('Query', { exact: true }).fill('blue jersey');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => page.getByTestId('tuning-eval').textContent())
      .toMatch(/nDCG \d\.\d{3} → \d\.\d{3}/);
    await screenshot(page, '04b-tuning-scored-on-judgments');
  });

  it('trains a model with progress, promotes it (the engine serves it), and rolls back', async () => {
    // This flow is about train -> promote -> roll back. On this small simulated log the promotion guard may find a
    // version no better than what serves; then the override is taken explicitly (the guard's refusal, its
    // comparison and the forced record are asserted in admin-models-guard.test.ts).
    const promote = async (v: string) => {
      await page.getByRole('button', { name: `Promote ${v}` }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: `Promote ${v}` }).click();
      const refused = dialog.getByTestId('guard-refused');
      await expect
        .poll(async () => (await refused.count()) > 0 || (await dialog.count()) === 0)
        .toBe(true);
      if ((await refused.count()) > 0)
        await dialog.getByRole('button', { name: 'Promote anyway (override the guard)' }).click();
    };
    // The tuning test left its preset applied; the guard would compare v1 with it. This test is about train ->
    // promote -> roll back against the plain RRF default (guard refusals: admin-models-guard.test.ts).
    const cleared = await page.evaluate(async (c) => {
      const s = await (await fetch('/admin/api/session')).json();
      return (
        await fetch(`/admin/api/collections/${c}/preset`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
          body: JSON.stringify({ name: null }),
        })
      ).status;
    }, QUICKSTART_COLLECTION);
    expect(cleared).toBe(200);
    await page.goto(`${url}/admin#/models`);
    await expect.poll(() => page.getByTestId('promoted').textContent()).toContain('no model');
    await page.getByRole('button', { name: 'Train new version' }).click();
    await page.getByTestId('training').waitFor();
    await expect
      .poll(() => page.getByTestId('training').textContent(), { timeout: 120_000 })
      .toContain('v1 in');
    // Promote asks first (candidate vs what serves now), then promotes.
    await promote('v1');
    await expect.poll(() => page.getByTestId('promoted').textContent()).toBe('v1');
    expect(live.versionFor(QUICKSTART_COLLECTION)).toBe('v1');
    // A second version, promoted, then rolled back to v1.
    await page.getByRole('button', { name: 'Train new version' }).click();
    await expect
      .poll(() => page.getByTestId('training').textContent(), { timeout: 120_000 })
      .toContain('v2 in');
    await promote('v2');
    await expect.poll(() => page.getByTestId('promoted').textContent()).toBe('v2');
    await page.getByRole('button', { name: 'Roll back' }).click();
    expect(await page.getByTestId('rollback-plan').textContent()).toContain('v1');
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back to v1' }).click();
    await expect.poll(() => page.getByTestId('promoted').textContent()).toBe('v1');
    expect(live.versionFor(QUICKSTART_COLLECTION)).toBe('v1');

    // Interleave v2 with the promoted v1; replayed sessions on the live ranker give the win rates.
    await page.getByRole('button', { name: 'Interleave v2' }).click();
    await page.getByRole('button', { name: 'Stop interleaving v2' }).waitFor();
    const events = await simulateTraffic(world, live, {
      collection: QUICKSTART_COLLECTION,
      sessions: 200,
      seed: 99,
      startTime: Date.now() - 60_000,
    });
    chorus.db.events.append(
      events.map((e) => ({ ...e, eventId: `il-${e.eventId}`, queryId: `il-${e.queryId}` })),
      { origin: 'server', rowShape: FEATURE_ROW_SHAPE },
    );
    await page.reload();
    const row = page.locator('[data-testid="interleaving-table"] tbody tr').first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(/v1.*v2/);
    await page.locator('[data-testid="chart-bias"] canvas').waitFor();
    await page.locator('[data-testid="chart-ctr"] canvas').waitFor();
    await screenshot(page, '05-models');
  }, 300_000);

  it('shows collections with per-modality counts and recent indexing errors, then logs out', async () => {
    const reports = path.join(dir, 'reports');
    mkdirSync(reports, { recursive: true });
    writeFileSync(
      path.join(reports, 'index-quickstart-run1.jsonl'),
      `${JSON.stringify({ id: 'product-9999', path: 'product-9999.jpg', code: 'MEDIA_DECODE', reason: 'image decode failed: truncated JPEG' })}\n`,
    );
    await page.goto(`${url}/admin#/collections`);
    const row = page.locator('[data-testid="collections-table"] tbody tr').first();
    await row.waitFor();
    expect(await row.textContent()).toContain(QUICKSTART_COLLECTION);
    expect(await row.locator('.chip').count()).toBeGreaterThan(3);
    expect(await page.getByTestId('errors-table').textContent()).toContain('truncated JPEG');
    await screenshot(page, '06-collections');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Admin key').waitFor();
    const after = await page.evaluate(async () => (await fetch('/admin/api/overview')).status);
    expect(after).toBe(401);
  });

  it('made no request beyond 127.0.0.1', () => {
    expect(offHost).toEqual([]);
  });
});

/** No key configured: the console says so, lets loopback in with one click, and still needs CSRF for writes. */
describe.runIf(run)('admin UI in dev mode (no admin key)', () => {
  let dir: string;
  let chorus: Chorus;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-admin-dev-'));
    chorus = await buildChorus(parseConfig({ dataDir: dir, logLevel: 'silent' }), {
      encoders: 'none',
      extraRouters: servedExtras(() => {}),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await chorus?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('explains dev mode and enters without a key from loopback', async () => {
    const { url } = await chorus.listen(0, '127.0.0.1');
    const page = await (
      await browser.newContext({ viewport: { width: 1280, height: 720 } })
    ).newPage();
    const offHost = watchOffHostRequests(page);
    await page.goto(`${url}/admin`);
    expect(await page.getByRole('note').textContent()).toContain('No admin key is configured');
    await screenshot(page, '00-dev-mode');
    await page.getByRole('button', { name: 'Enter console' }).click();
    await page.getByText('dev mode', { exact: true }).waitFor();
    await page.getByText('No collection yet.').waitFor();
    expect(offHost).toEqual([]);
  });
});
