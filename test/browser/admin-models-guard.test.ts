import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QUICKSTART_COLLECTION } from '../../src/app/quickstart-index.js';
import { chromiumAvailable, screenshot } from '../support/chromium.js';
import { startAdminWorld, type AdminWorld } from './harness.js';

// A page answers in well under a second on an idle machine, but CI and a shared 2-core box can be slower than
// expect.poll's 1 s default: polls wait up to 15 s (each still ends as soon as its condition holds). Four cases
// run a fit (17-23 s each at load 13; a fit alone took ~50 s at load 29) and poll for it up to 120 s: the default
// 60 s test timeout would cut those polls short.
vi.setConfig({ testTimeout: 300_000, expect: { poll: { timeout: 15_000, interval: 100 } } });
const run = chromiumAvailable('admin UI model-guard browser tests');

/**
 * Issue 16's guarded model operations in real Chromium: Train only when the logs can train, promote and roll back
 * only after a confirmation that says what will serve next, no interleaving offered while its share is 0, and
 * charts that do not mislead (CTR in %, on a fixed scale; no cross-version nDCG trend).
 */
describe.runIf(run)('admin UI: guarded model operations', () => {
  let w: AdminWorld;
  let page: Page;
  const promoted = () => page.getByTestId('promoted').textContent();

  beforeAll(async () => {
    w = await startAdminWorld({ interleaveShare: 0 });
    page = w.page;
    await w.login();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('disables Train with the reason while no logged impression with feature rows has a click', async () => {
    await page.goto(`${w.url}/admin#/models`);
    const train = page.getByRole('button', { name: 'Train new version' });
    await train.waitFor();
    expect(await train.isDisabled()).toBe(true);
    expect(await page.getByTestId('trainability').textContent()).toContain(
      'no impressions with feature rows',
    );
    // The server refuses too, before anything runs.
    const status = await page.evaluate(async (c) => {
      const s = await (await fetch('/admin/api/session')).json();
      return (
        await fetch(`/admin/api/models/${c}/train`, {
          method: 'POST',
          headers: { 'x-csrf-token': s.csrf },
        })
      ).status;
    }, QUICKSTART_COLLECTION);
    expect(status).toBe(409);
    // A malformed body is refused as such, whatever the logs hold.
    const bad = await page.evaluate(async (c) => {
      const s = await (await fetch('/admin/api/session')).json();
      const r = await fetch(`/admin/api/models/${c}/train`, {
        method: 'POST',
        headers: { 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ promote: 'yes' }),
      });
      return r.status;
    }, QUICKSTART_COLLECTION);
    expect(bad).toBe(400);
    await screenshot(page, '20-models-not-trainable');
  });

  it('enables Train once the logs can train, and shows training progress without a stale "started" message', async () => {
    await w.addTraffic(8);
    await page.reload();
    const train = page.getByRole('button', { name: 'Train new version' });
    await expect.poll(() => train.isDisabled()).toBe(false);
    expect(await page.getByTestId('trainability').textContent()).toMatch(
      /\d+ with a click \(needs 10\)/,
    );
    await train.click();
    await expect
      .poll(() => page.getByTestId('training').textContent(), { timeout: 120_000 })
      .toContain('v1 in');
    expect(await page.getByTestId('models-status').count()).toBe(0);
  });

  it('asks before promoting, showing the candidate against what serves now; Cancel changes nothing', async () => {
    await page.getByRole('button', { name: 'Promote v1' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('replacing RRF fusion');
    expect(await dialog.getByTestId('comparison').textContent()).toContain('v1');
    await screenshot(page, '21-models-promote-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await dialog.count()).toBe(0);
    expect(await promoted()).toContain('no model');
    expect(w.chorus.db.models.promoted(QUICKSTART_COLLECTION)).toBeUndefined();

    await page.getByRole('button', { name: 'Promote v1' }).click();
    await dialog.getByRole('button', { name: 'Promote v1' }).click();
    await expect.poll(promoted).toBe('v1');
    expect(w.live.versionFor(QUICKSTART_COLLECTION)).toBe('v1');
  });

  it('does not offer interleaving while the interleave share is 0', async () => {
    await page.getByRole('button', { name: 'Train new version' }).click();
    await expect
      .poll(() => page.getByTestId('training').textContent(), { timeout: 120_000 })
      .toContain('v2 in');
    await page.locator('[data-testid="models-table"] tr[data-version="v2"]').waitFor();
    expect(await page.getByRole('button', { name: 'Interleave v2' }).count()).toBe(0);
    expect(await page.getByTestId('interleave-off').textContent()).toContain('interleaveShare');
  });

  it('charts each version against its own baseline on its held-out queries, not versions as one trend; CTR is in % on a fixed scale', async () => {
    // Versions carry the guard's held-out comparison: each is drawn beside its baseline, and the chart says why.
    const ndcg = page.getByTestId('chart-ndcg');
    await ndcg.locator('canvas').waitFor();
    expect(await ndcg.textContent()).toContain('not versions with each other');
    expect(await ndcg.locator('.u-legend').textContent()).toContain('baseline');
    expect(w.chorus.db.models.list(QUICKSTART_COLLECTION).every((m) => m.metrics.heldOut)).toBe(
      true,
    );
    const plot = page.locator('[data-testid="chart-ctr"] .plot');
    await plot.locator('canvas').waitFor();
    expect([await plot.getAttribute('data-y-min'), await plot.getAttribute('data-y-max')]).toEqual([
      '0',
      '1',
    ]);
    const box = (await plot.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await expect
      .poll(() => plot.locator('.u-legend .u-value').last().textContent())
      .toMatch(/^\d+%$/);
    await page.reload();
    await plot.locator('canvas').waitFor();
    expect(await plot.getAttribute('data-y-max')).toBe('1');
    await screenshot(page, '22-models-charts');
  });

  it('shows the guard refusing a candidate no better than the serving model, and records an override as forced', async () => {
    // v2 is fitted on the same log as the serving v1: its held-out gain's interval does not clear 0.
    await page.getByRole('button', { name: 'Promote v2' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByTestId('comparison').textContent()).toMatch(/Serving v1/);
    expect(await dialog.getByTestId('comparison').textContent()).toMatch(
      /\[-?\d+\.\d{3}, -?\d+\.\d{3}\]/,
    );
    await dialog.getByRole('button', { name: 'Promote v2' }).click();
    await dialog.getByTestId('guard-refused').waitFor();
    expect(await promoted()).toBe('v1');
    // "May be noise" follows the paired difference's interval, not whether the two sides' intervals overlap.
    const table = (await dialog.getByTestId('comparison').textContent())!;
    const [lo, hi] = table
      .match(/Difference \(candidate − serving\)\s*-?\d+\.\d+\s*\[(-?\d+\.\d+), (-?\d+\.\d+)\]/)!
      .slice(1)
      .map(Number);
    expect(table.includes('may be noise')).toBe(lo! <= 0 && hi! >= 0);
    // What more clicks could do about it, in the comparison and in the refusal.
    const outlook = await dialog.getByTestId('guard-outlook').textContent();
    expect(outlook).toMatch(/^Outlook: the candidate (does not lead|leads by)/);
    expect(await dialog.getByTestId('guard-refused').textContent()).toContain(
      outlook!.replace(/^Outlook: /, '').replace(/\.$/, ''),
    );
    await screenshot(page, '23a-models-guard-refused');
    await dialog.getByRole('button', { name: 'Promote anyway (override the guard)' }).click();
    await expect.poll(promoted).toBe('v2');
    expect(await page.getByTestId('models-status').textContent()).toContain('forced');
    expect(w.chorus.db.models.history(QUICKSTART_COLLECTION).at(-1)).toMatchObject({
      action: 'promote',
      version: 'v2',
      forced: true,
    });
  });

  it('rolls back only after saying what serves next; past the first version it says the model turns off', async () => {
    await page.getByRole('button', { name: 'Roll back' }).click();
    expect(await page.getByTestId('rollback-plan').textContent()).toContain('v1');
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back to v1' }).click();
    await expect.poll(promoted).toBe('v1');

    await page.getByRole('button', { name: 'Roll back' }).click();
    const plan = await page.getByTestId('rollback-plan').textContent();
    expect(plan).toContain('turns the learned model off');
    expect(plan).toContain('RRF');
    await screenshot(page, '23-models-rollback-off');
    await page.getByRole('dialog').getByRole('button', { name: 'Turn the model off' }).click();
    await expect.poll(promoted).toContain('no model');
    expect(w.chorus.db.models.promoted(QUICKSTART_COLLECTION)).toBeUndefined();
    expect(await page.getByRole('button', { name: 'Roll back' }).isDisabled()).toBe(true);
  });

  it('trains as a job that can be cancelled, registering nothing', async () => {
    const before = w.chorus.db.models.list(QUICKSTART_COLLECTION).length;
    await page.getByRole('button', { name: 'Train new version' }).click();
    await page.getByRole('button', { name: 'Cancel training' }).click();
    await expect
      .poll(() => page.getByTestId('training').textContent())
      .toContain('cancelled: nothing was registered');
    // The fit worker was stopped: no version appears, now or after it would have finished.
    await new Promise((r) => setTimeout(r, 3000));
    expect(w.chorus.db.models.list(QUICKSTART_COLLECTION)).toHaveLength(before);
    expect(await page.getByRole('button', { name: 'Train new version' }).isDisabled()).toBe(false);
    await screenshot(page, '24-models-training-cancelled');
  });

  it('trains and promotes through the guard: promoted against RRF, refused (and shown why) against an equal model', async () => {
    const versions = () => w.chorus.db.models.list(QUICKSTART_COLLECTION).map((m) => m.version);
    const before = versions();
    const train = page.getByRole('button', { name: 'Train new version' });
    await page.getByLabel('then promote if the guard agrees').check();
    await train.click();
    // Nothing serves now (the model was turned off): the guard compares the new version with RRF, as for v1.
    const outcome = page.getByTestId('training-promotion');
    await expect
      .poll(() => outcome.textContent(), { timeout: 120_000 })
      .toMatch(/was promoted by the guard/);
    const first = versions().find((v) => !before.includes(v))!;
    expect(await promoted()).toBe(first);
    expect(w.chorus.db.models.history(QUICKSTART_COLLECTION).at(-1)).toMatchObject({
      action: 'promote',
      version: first,
    });

    // Fitted on the same log as the version now serving: no held-out gain, so registered but not promoted.
    await expect.poll(() => train.isDisabled()).toBe(false);
    await train.click();
    await expect
      .poll(() => outcome.textContent(), { timeout: 120_000 })
      .toContain('was registered but not promoted');
    const second = versions().find((v) => !before.includes(v) && v !== first)!;
    expect(second).toBeDefined();
    expect(await outcome.textContent()).toContain(second);
    expect(await outcome.getByTestId('comparison').textContent()).toMatch(/Serving/);
    expect(await promoted()).toBe(first);
    expect(w.live.versionFor(QUICKSTART_COLLECTION)).toBe(first);
    await screenshot(page, '25-models-train-promote-refused');
  });
});
