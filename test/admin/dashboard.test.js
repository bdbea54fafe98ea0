// The dashboard in a real browser: Debian's Chromium driven by playwright-core (which downloads no
// browser). A provider and a consumer make live calls; the page must render their services and
// endpoints, show calls/s above zero, draw the chart, and take a service offline on a click.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callLoop } from '../helpers.js';
import { consumer, Echo, freshRegistry, getJson, provider, waitFor } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false
  : `${CHROMIUM} is absent: install Debian's chromium (scripts/system-deps.sh does, as root)`;

// Only when asked: screenshots are for people, not for the suite.
const screenshots = process.env.MESHLET_SCREENSHOTS;
async function shot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

describe('dashboard in headless Chromium', { skip }, () => {
  let browser; let profile; let a; let b; let c; let load;
  before(async () => {
    const { chromium } = await import('playwright-core');
    // A fresh profile, and every background service off: this machine's closed network refuses
    // Chromium's own connections, which otherwise stall the launch.
    profile = mkdtempSync(join(tmpdir(), 'meshlet-chromium-'));
    // playwright passes the profile as --user-data-dir itself (it refuses the flag in args).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const registry = freshRegistry();
    a = await provider('alpha', registry);
    b = await provider('beta', registry);
    c = await consumer(registry);
    await waitFor(async () => (await getJson(`${c.admin}/status`)).references[0]?.endpoints.length === 2 || (await c.echo.whoami(), false), 'both providers listed');
    // The balancer may favour one provider for a while: alpha (whose page is tested) also gets
    // calls by address, so its own calls/s is live whatever the balancer picks.
    const alphaAddress = (await getJson(`${a.admin}/status`)).services.find((s) => s.protocol === 'dubbo').address.replace('dubbo://', '');
    const toAlpha = b.mesh.refer(Echo, { url: alphaAddress });
    load = callLoop(async () => { await Promise.all([c.echo.whoami(), toAlpha.whoami()]); await new Promise((r) => setTimeout(r, 2)); }, 4);
  });
  after(async () => {
    await load?.stop();
    await browser?.close();
    await Promise.all([c?.mesh.stop(0), a?.mesh.stop(0), b?.mesh.stop(0)]);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('the consumer page: endpoints with health and breaker, live calls/s, a drawn chart', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${c.admin}/`);
    await page.waitForSelector('body[data-loaded="true"]');
    assert.equal(await page.textContent('#app'), 'caller');
    const ref = page.locator('[data-reference="demo.admin.Echo:1.0.0"]');
    await ref.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-reference] tr[data-endpoint]').length === 2);
    assert.deepEqual(await page.locator('tr[data-endpoint] td.health').allTextContents(), ['up', 'up']);
    assert.deepEqual(await page.locator('tr[data-endpoint] td.breaker').allTextContents(), ['closed', 'closed']);
    // calls/s is the last complete second: it needs a second or two of traffic.
    await page.waitForFunction(() => Number(document.getElementById('cps').textContent) > 0, null, { timeout: 15_000 });
    await page.waitForFunction(() => Number(document.querySelector('tr[data-endpoint] td.calls').textContent) > 0);
    const ewma = await page.locator('tr[data-endpoint] td.ewma').first().textContent();
    assert.ok(Number(ewma) >= 0, `EWMA shown: ${ewma}`);
    const d = await page.getAttribute('#chart-cps path.line', 'd');
    assert.match(d, /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){10,}$/, 'the calls/s line is drawn');
    await page.waitForFunction(() => document.getElementById('p99').textContent !== '–');
    assert.match(await page.locator('.listed').first().textContent(), /registry lists: dubbo:\/\/127\.0\.0\.1:\d+, dubbo:\/\/127\.0\.0\.1:\d+/);
    await shot(page, 'consumer');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the provider page: a click takes the service offline, the consumer drops it, another brings it back', async () => {
    const page = await browser.newPage();
    await page.goto(`${a.admin}/`);
    const row = page.locator('#services tr[data-service="demo.admin.Echo:1.0.0"][data-protocol="dubbo"]');
    await row.waitFor();
    assert.equal(await row.locator('td.state').textContent(), 'online');
    await page.waitForFunction(() => Number(document.getElementById('cps').textContent) > 0, null, { timeout: 15_000 });
    await shot(page, 'provider-online');
    await row.locator('button.offline-btn').click();
    await page.waitForFunction(() => document.querySelector('#services tr[data-protocol="dubbo"] td.state').textContent === 'offline');
    assert.equal((await getJson(`${a.admin}/status`)).services.find((s) => s.protocol === 'dubbo').state, 'offline');
    await waitFor(async () => (await getJson(`${c.admin}/status`)).references[0].endpoints.length === 1, 'the consumer drops alpha');
    await shot(page, 'provider-offline');
    await row.locator('button.online-btn').click();
    await page.waitForFunction(() => document.querySelector('#services tr[data-protocol="dubbo"] td.state').textContent === 'online');
    await waitFor(async () => (await getJson(`${c.admin}/status`)).references[0].endpoints.length === 2, 'the consumer picks alpha up again');
    await page.close();
    assert.equal(load.stats.failed, 0, `no call failed during offline/online: ${load.stats.errors.join('; ')}`);
  });
});
