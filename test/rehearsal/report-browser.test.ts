import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import { type Browser, chromium, type Page } from 'playwright-core';

import { rehearse } from '../../rehearsal/night';
import { reportHtml } from '../../rehearsal/report-html';
import type { RehearsalResult } from '../../rehearsal/result';
import { builtResult } from './report-fixture';

/** Debian's chromium (playwright-core downloads no browser; `.ci/run` installs this one). */
const CHROMIUM = '/usr/bin/chromium';
/** As this machine needs them: without the background-networking ones it dials Google at start. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** `UPDATE_SCREENSHOT=1` writes the README's picture of the report. */
const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'rehearsal-report.png');
const ROOT = join(__dirname, '..', '..');

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `SKIPPED: the rehearsal report's browser test needs Debian's chromium at ${CHROMIUM}, which is missing here (apt-get install chromium; .ci/run installs it).`,
  );
const describeWithChromium = haveChromium ? describe : describe.skip;

interface Visit {
  readonly page: Page;
  /** Every request the page made, the report file's own included. */
  readonly requests: string[];
  /** Console errors, page errors and dialogs (a script that ran). */
  readonly problems: string[];
}

describeWithChromium(`the rehearsal report in ${CHROMIUM}`, () => {
  let browser: Browser;
  let night: RehearsalResult;
  const dir = mkdtempSync(join(tmpdir(), 'rehearsal-report-'));

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    night = await rehearse({
      // Relative, as a user types it: the report's title shows it.
      configPath: relative(process.cwd(), join(ROOT, 'config', 'example.yaml')),
      from: new Date('2026-12-08T18:00:00Z'),
      until: new Date('2026-12-09T08:00:00Z'),
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the report from a file:// URL, offline, refusing any other request. */
  const visit = async (result: RehearsalResult, name: string): Promise<Visit> => {
    const file = join(dir, name);
    writeFileSync(file, reportHtml(result));
    const url = pathToFileURL(file).href;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await context.route('**/*', (route) =>
      route.request().url() === url ? route.continue() : route.abort(),
    );
    await page.goto(url, { waitUntil: 'load' });
    return { page, requests, problems };
  };

  // Locators, not page.evaluate: the project's types have no DOM.
  const counts = async (page: Page) => ({
    instances: await page.locator('#chart g.inst').count(),
    rollouts: await page.locator('#chart g.rollout').count(),
    segments: await page.locator('#chart g.rollout g.seg').count(),
    chartWidth: (await page.locator('#chart').boundingBox())?.width ?? 0,
    pageWidth: Number(await page.evaluate('document.documentElement.scrollWidth')),
  });

  it('opens a real rehearsal of the example night offline, with no error, and charts every instance and rollout', async () => {
    const { page, requests, problems } = await visit(night, 'example-night.html');

    const seen = await counts(page);
    expect(night.instances.length).toBeGreaterThan(0);
    expect(night.rollouts.length).toBeGreaterThan(0);
    expect(requests).toEqual([page.url()]);
    expect(problems).toEqual([]);
    expect(seen).toMatchObject({ instances: night.instances.length, rollouts: night.rollouts.length });
    expect(seen.segments).toBeGreaterThanOrEqual(night.rollouts.length);
    expect(seen.chartWidth).toBeGreaterThan(1000);
    expect(seen.pageWidth).toBeLessThanOrEqual(1280);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      // The chart and the summary: the timeline table below them is as long as the night.
      const top = (await page.locator('#timeline').boundingBox())?.y ?? 900;
      await page.screenshot({
        path: SCREENSHOT,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: top },
      });
    }
  });

  it('runs nothing from hostile log lines and charts a built night of killed jobs and rollbacks', async () => {
    const result = builtResult({ jobInstances: 40 });

    const { page, requests, problems } = await visit(result, 'built-night.html');

    const seen = await counts(page);
    const injected = await page.locator('script, img, link').count();
    expect(requests).toEqual([page.url()]);
    expect(problems).toEqual([]);
    expect(injected).toBe(0);
    expect(seen).toMatchObject({ instances: 43, rollouts: 2, segments: 6 });
    expect(await page.locator('#chart rect.killed').count()).toBe(1);
  });
});
