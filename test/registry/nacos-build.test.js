// The Nacos suites' server, r-nacos, is built from crates.io by scripts/nacos-server.sh, which
// scripts/test.js starts in the background when it is missing; this file runs first of the Nacos
// suites and waits for that build, so they find the server (or skip saying why).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { nacosServerBin, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';

const status = process.env.MESHLET_NACOS_BUILD_STATUS;
const missing = nacosServerMissing();

test('the Nacos server is built (r-nacos 0.8.8 from crates.io)', {
  timeout: 40 * 60_000,
  skip: !status && missing ? `${missing}; no build was started (scripts/test.js starts one when a Nacos suite is selected)` : false,
}, async (t) => {
  if (!status) {
    t.diagnostic(`already built: ${nacosServerBin()}`);
    return;
  }
  const started = Date.now();
  while (!existsSync(status)) await sleep(2000);
  const exit = readFileSync(status, 'utf8').trim();
  const log = readFileSync(process.env.MESHLET_NACOS_BUILD_LOG, 'utf8');
  t.diagnostic(`waited ${((Date.now() - started) / 1000).toFixed(0)} s for the background build (exit ${exit})`);
  if (exit === '3') return t.skip(log.trim()); // no cargo here: the Nacos suites skip, saying why
  assert.equal(nacosServerMissing(), undefined, `the build failed:\n${log.slice(-4000)}`);
});
