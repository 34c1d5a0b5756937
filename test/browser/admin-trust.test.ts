import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QUICKSTART_COLLECTION } from '../../src/app/quickstart-index.js';
import { chromiumAvailable, screenshot } from '../support/chromium.js';
import { corpusFile, startAdminWorld, type AdminWorld } from './harness.js';

// A page answers in well under a second on an idle machine, but CI and a shared 2-core box can be slower than
// expect.poll's 1 s default: polls wait up to 15 s (each still ends as soon as its condition holds).
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 100 } } });
const run = chromiumAvailable('admin UI trust browser tests');

/**
 * Issue 16 in real Chromium against the real server (quickstart corpus, no model promoted): defaults that do not
 * mislead, state that survives back/refresh/links, explanations, multimodal judgments, jobs and the item browser.
 */
describe.runIf(run)('admin UI: defaults, state, judgments and jobs', () => {
  let w: AdminWorld;
  let page: Page;
  const hits = (testid: string) => page.locator(`[data-testid="${testid}"] li.hit`);
  const hitIds = (testid: string) =>
    hits(testid).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  /** Clicks Search and returns once the compare answer (or its error) is in, so no earlier result is read. */
  const search = async () => {
    const answered = page.waitForResponse((r) => r.url().endsWith('/admin/api/compare'));
    await page.getByRole('button', { name: 'Search' }).click();
    await answered.catch(() => undefined);
  };

  beforeAll(async () => {
    w = await startAdminWorld();
    page = w.page;
    await w.login();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('compares RRF with another fusion, not with an absent "promoted model", and the filter example has hits', async () => {
    await page.goto(`${w.url}/admin#/playground`);
    expect(await page.getByLabel('Right ranker').inputValue()).toBe('dbsf');
    const model = page.locator('#pg-right option[value="model"]');
    expect(await model.isDisabled()).toBe(true);
    expect(await model.textContent()).toContain('none promoted');

    const filter = page.getByLabel('Filter');
    await expect.poll(() => filter.getAttribute('placeholder')).toMatch(/^e\.g\. /);
    const example = (await filter.getAttribute('placeholder'))!.replace(/^e\.g\. /, '');
    expect(await page.getByTestId('pg-fields').textContent()).toContain('category');
    await page.getByLabel('Query', { exact: true }).fill('jersey');
    await filter.fill(example);
    await search();
    await expect.poll(async () => (await hitIds('left-results')).length).toBeGreaterThan(0);
    await screenshot(page, '10-playground-defaults');
  });

  it('says so when a filter leaves no hits, and refuses a wrong-case value or field with what was meant, clearing old results', async () => {
    await page.getByLabel('Filter').fill('category=Footwear');
    await search();
    await expect.poll(async () => (await hitIds('left-results')).length).toBeGreaterThan(0);

    await page.getByLabel('Filter').fill('tags=no-such-tag');
    await search();
    const empty = page.locator('[data-testid="left-results"] [data-testid="no-hits"]');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('no item has tags = "no-such-tag"');
    await screenshot(page, '11-playground-no-hits');

    await page.getByLabel('Filter').fill('category=Footwear');
    await search();
    await expect.poll(async () => (await hitIds('left-results')).length).toBeGreaterThan(0);
    await page.getByLabel('Filter').fill('category=footwear');
    await search();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('did you mean "Footwear"');
    // The error stands alone: the previous query's results are gone.
    expect(await hits('left-results').count()).toBe(0);
    await page.getByLabel('Filter').fill('Category=Footwear');
    await search();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('did you mean "category"');
    await screenshot(page, '12-playground-filter-error');
  });

  it('shows the picked image and audio file names, with a player for the audio', async () => {
    await page.getByLabel('Filter').fill('');
    await page.getByLabel('Query', { exact: true }).fill('');
    await page.getByLabel('Image', { exact: true }).setInputFiles(corpusFile('product-1163.jpg'));
    await expect
      .poll(() => page.getByTestId('pg-image-name').textContent())
      .toBe('product-1163.jpg');
    await page.getByRole('button', { name: 'Remove the query image' }).click();
    await page
      .getByLabel('Audio', { exact: true })
      .setInputFiles(corpusFile('speech-red-dress.wav'));
    await expect
      .poll(() => page.getByTestId('pg-audio-name').textContent())
      .toBe('speech-red-dress.wav');
    const player = page.getByLabel('query audio speech-red-dress.wav');
    expect(await player.getAttribute('src')).toMatch(/^data:audio\//);
    await search();
    await expect.poll(async () => (await hitIds('left-results')).length).toBeGreaterThan(0);
    await screenshot(page, '13-playground-audio-query');
    await page.getByRole('button', { name: 'Remove the query audio' }).click();
  });

  it('keeps collection, query and rankers in the URL: refresh, back and a shared link restore them', async () => {
    await page.getByLabel('Query', { exact: true }).fill('blue jersey');
    await page.getByLabel('Right ranker').selectOption('weighted');
    await search();
    const served = await w.chorus.engine.search({
      collection: QUICKSTART_COLLECTION,
      query: { text: 'blue jersey' },
      fusion: 'weighted',
      limit: 10,
      logImpression: false,
    });
    const first = served.hits.map((h) => h.id);
    await expect.poll(async () => (await hitIds('right-results')).join()).toBe(first.join());
    expect(page.url()).toContain('q=blue+jersey');
    expect(page.url()).toContain('right=weighted');
    expect(page.url()).toContain(`c=${QUICKSTART_COLLECTION}`);

    await page.reload();
    await expect.poll(async () => (await hitIds('right-results')).join()).toBe(first.join());
    expect(await page.getByLabel('Query', { exact: true }).inputValue()).toBe('blue jersey');
    expect(await page.getByLabel('Right ranker').inputValue()).toBe('weighted');

    await page.getByLabel('Query', { exact: true }).fill('red dress');
    await search();
    await expect.poll(() => page.url()).toContain('q=red+dress');
    await page.goBack();
    await expect
      .poll(() => page.getByLabel('Query', { exact: true }).inputValue())
      .toBe('blue jersey');
    await expect.poll(async () => (await hitIds('right-results')).join()).toBe(first.join());

    // A link opened in a fresh tab (no local state) shows the same thing.
    const other = await w.context.newPage();
    await other.goto(page.url());
    await expect
      .poll(async () => await other.locator('[data-testid="right-results"] li.hit').count())
      .toBe(10);
    expect(await other.getByLabel('Right ranker').inputValue()).toBe('weighted');
    await other.close();
  });

  it('starts the tuning knobs at the applied preset, and keeps knob moves in the URL', async () => {
    const put = (path: string, body: unknown) =>
      page.evaluate(
        async ([p, b]) => {
          const s = await (await fetch('/admin/api/session')).json();
          return (
            await fetch(p as string, {
              method: 'PUT',
              headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
              body: JSON.stringify(b),
            })
          ).status;
        },
        [path, body],
      );
    expect(
      await put('/admin/api/presets/image-heavy', {
        fusion: 'dbsf',
        weights: { image: 2 },
        rrfK: 40,
      }),
    ).toBe(200);
    expect(
      await put(`/admin/api/collections/${QUICKSTART_COLLECTION}/preset`, { name: 'image-heavy' }),
    ).toBe(200);

    await page.goto(`${w.url}/admin#/tuning?c=${QUICKSTART_COLLECTION}&q=blue+jersey`);
    await expect.poll(() => page.getByLabel('Method').inputValue()).toBe('dbsf');
    await expect.poll(() => page.locator('#tu-rrfk').inputValue()).toBe('40');
    await expect.poll(() => page.locator('#w-image').inputValue()).toBe('2');

    await page.locator('#tu-rrfk').focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.url()).toContain('rrfK=200');
    await page.reload();
    await expect.poll(() => page.locator('#tu-rrfk').inputValue()).toBe('200');
    expect(await page.getByLabel('Method').inputValue()).toBe('dbsf');
    await screenshot(page, '14-tuning-from-url');
    expect(
      await put(`/admin/api/collections/${QUICKSTART_COLLECTION}/preset`, { name: null }),
    ).toBe(200);
  });

  it('explains hits by the sources the query used, never with negative "scores" for rank-only rankers', async () => {
    await page.goto(
      `${w.url}/admin#/playground?c=${QUICKSTART_COLLECTION}&q=blue+jersey&left=noop&right=rrf`,
    );
    await expect.poll(async () => (await hitIds('left-results')).length).toBe(10);
    const noopScores = await page.locator('[data-testid="left-results"] .score').allTextContents();
    expect(noopScores.every((s) => !s.trim().startsWith('-') && /#\d+/.test(s))).toBe(true);
    const shares = await page.locator('[data-testid="right-results"] .src b').allTextContents();
    expect(shares.length).toBeGreaterThan(0);
    expect(shares.filter((s) => s.trim() === '0%')).toEqual([]);
    await screenshot(page, '15-playground-explanations');
  });

  it('judges text, image and audio queries, stores the query media, lists judged queries with their grades', async () => {
    await page.goto(`${w.url}/admin#/judgments`);
    expect(await page.getByTestId('unjudged-note').textContent()).toContain('irrelevant (grade 0)');
    const pool = page.locator('[data-testid="pool"] tbody tr');

    await page.getByLabel('Query to judge').fill('blue jersey');
    await page.getByRole('button', { name: 'Pool results' }).click();
    await pool.first().waitFor();
    await pool.first().getByRole('radio', { name: '3' }).click();
    await expect
      .poll(() => w.chorus.db.judgments.list(QUICKSTART_COLLECTION, 'blue jersey').length)
      .toBe(1);

    await page.getByLabel('Image query').setInputFiles(corpusFile('product-1163.jpg'));
    await expect
      .poll(() => page.getByTestId('jd-file-name').textContent())
      .toBe('product-1163.jpg');
    await page.getByRole('button', { name: 'Pool results' }).click();
    await expect.poll(() => page.getByTestId('pooled-kind').textContent()).toBe('image');
    await page
      .locator('[data-testid="pool"] tr[data-id="product-1163"]')
      .getByRole('radio', { name: '4' })
      .click();

    await page.getByLabel('Audio query').setInputFiles(corpusFile('speech-red-dress.wav'));
    await page.getByRole('button', { name: 'Pool results' }).click();
    await expect.poll(() => page.getByTestId('pooled-kind').textContent()).toBe('audio');
    await pool.first().getByRole('radio', { name: '2' }).click();

    const judged = page.locator('[data-testid="judged-queries"] tbody tr');
    await expect.poll(() => judged.count()).toBe(3);
    const rows = await judged.allTextContents();
    expect(rows.some((r) => r.includes('product-1163.jpg') && r.includes('4×1'))).toBe(true);
    expect(rows.some((r) => r.includes('speech-red-dress.wav') && r.includes('2×1'))).toBe(true);
    expect(rows.some((r) => r.includes('blue jersey') && r.includes('3×1'))).toBe(true);
    // The media is stored with the judgment, keyed by content.
    const imageQuery = w.chorus.db.judgments
      .queries(QUICKSTART_COLLECTION)
      .find((q) => q.kind === 'image')!;
    expect(
      w.chorus.db.judgments.queryMedia(QUICKSTART_COLLECTION, imageQuery.query)?.mediaType,
    ).toBe('image/jpeg');
    expect(
      w.chorus.db.judgments
        .list(QUICKSTART_COLLECTION, imageQuery.query)
        .map((j) => [j.itemId, j.grade]),
    ).toEqual([['product-1163', 4]]);

    // Offline evaluation replays the image and audio queries from the stored media.
    await page.getByRole('button', { name: 'Evaluate A vs B' }).click();
    const evalRows = page.locator('[data-testid="eval-table"] tbody tr');
    await expect.poll(() => evalRows.count()).toBe(3);
    const imageRow = (await evalRows.allTextContents()).find((r) =>
      r.includes('product-1163.jpg'),
    )!;
    expect(imageRow).toMatch(/1\.000/); // the exact photo is the first hit: nDCG 1
    await screenshot(page, '16-judgments-multimodal');

    // A link to a judged image query opens its pool again, media included.
    await page.getByRole('button', { name: 'Open product-1163.jpg' }).click();
    await expect.poll(() => page.url()).toContain('jq=image');
    await page.reload();
    await expect.poll(() => page.getByTestId('pooled-kind').textContent()).toBe('image');
    expect(await page.getByAltText('query image product-1163.jpg').count()).toBe(1);
  });

  it('lists jobs with state and progress, starts a refresh and a re-embed, and cancels a waiting job', async () => {
    await page.goto(`${w.url}/admin#/collections`);
    await page.getByLabel('Job', { exact: true }).selectOption('reembed-collection');
    await page.getByLabel('Target collection').fill('quickstart-copy');
    await page.getByRole('button', { name: 'Start job' }).click();
    await page.getByLabel('Target collection').fill('quickstart-copy2');
    await page.getByRole('button', { name: 'Start job' }).click();
    const rows = page.locator('[data-testid="jobs-table"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // The newest first: the second re-embed is cancelled (waiting: at once; running: at its next progress step).
    const second = rows.first();
    await second.getByRole('button', { name: /^Cancel / }).click();
    await expect
      .poll(() => second.locator('.status').textContent(), { timeout: 60_000 })
      .toBe('cancelled');
    const first = rows.nth(1);
    await expect
      .poll(() => first.locator('.status').textContent(), { timeout: 120_000 })
      .toBe('completed');
    expect(await first.textContent()).toContain('quickstart-copy');
    expect(await first.textContent()).toContain('100%');

    await page.getByLabel('Job', { exact: true }).selectOption('cf-refresh');
    await page.getByRole('button', { name: 'Start job' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await expect
      .poll(() => rows.first().locator('.status').textContent(), { timeout: 60_000 })
      .toMatch(/completed|failed/);
    await screenshot(page, '17-collections-jobs');
  }, 240_000);

  it('browses a collection page by page with each item’s payload and vectors', async () => {
    await page.getByRole('button', { name: `Browse items of ${QUICKSTART_COLLECTION}` }).click();
    const rows = page.locator('[data-testid="items-table"] tbody tr');
    await expect.poll(() => rows.count()).toBe(10);
    const firstPage = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    await page.getByRole('button', { name: 'Next →' }).click();
    await expect
      .poll(
        async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))))[0],
      )
      .not.toBe(firstPage[0]);
    // Each item shows which vectors it has: a product photo has image vectors and no audio one, a spoken digit the reverse.
    await page.getByRole('button', { name: 'Previous' }).click();
    const row = rows.first();
    await expect.poll(() => row.getAttribute('data-id')).toBe(firstPage[0]);
    const has = await row.locator('.chip.has').allTextContents();
    const missing = await row.locator('.chip.missing').allTextContents();
    expect(has).toContain('text');
    if (firstPage[0]!.startsWith('product-'))
      expect([has.includes('image'), missing.includes('audio')]).toEqual([true, true]);
    if (firstPage[0]!.startsWith('digit-'))
      expect([has.includes('audio'), missing.includes('image')]).toEqual([true, true]);
    await row.getByRole('button', { name: /^Show payload of / }).click();
    expect(await row.getByTestId('payload').textContent()).toContain('"title"');
    await screenshot(page, '18-collections-item-browser');
  });

  it('sends an expired session to the login form instead of hanging, and comes back where it was', async () => {
    await page.goto(`${w.url}/admin#/playground?c=${QUICKSTART_COLLECTION}`);
    await page.getByRole('navigation', { name: 'Screens' }).waitFor();
    const url = new URL(w.url);
    await w.context.addCookies([
      {
        name: 'chorus_admin',
        value: 'expired-session-id',
        domain: url.hostname,
        path: '/admin',
        httpOnly: true,
        sameSite: 'Strict',
      },
    ]);
    // The next call the page makes (opening Models) meets the expired session.
    await page.evaluate(() => (window.location.hash = '#/models'));
    await page.getByTestId('session-expired').waitFor();
    expect(await page.getByText('Loading models…').count()).toBe(0);
    await screenshot(page, '19-session-expired');
    await page.getByLabel('Admin key').fill((await import('./harness.js')).ADMIN_KEY);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('trainability').waitFor();
  });

  it('serves a favicon and made no request that 404ed or left 127.0.0.1', async () => {
    expect(await page.locator('link[rel="icon"]').count()).toBe(1);
    expect(w.notFound).toEqual([]);
    expect(w.offHost).toEqual([]);
  });
});
