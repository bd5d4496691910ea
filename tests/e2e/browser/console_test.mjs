// Real-browser test of the web console that `video-encoder serve` answers, run by
// tests/e2e/console_test.cpp against a service it started (HTTP_TOKEN set, RENDITIONS=360p:400k,
// the input `input file` in its input bucket). In headless Chromium:
//   1. / without a session goes to /login; a wrong token gets 401 and the form again; the right
//      one sets an HttpOnly, SameSite=Strict session cookie (not the token) and goes to /;
//   2. the submit form shows the API's 400 reason for a bad path, then submits a job whose input is
//      missing (it must appear FAILED with the reason) and the real one;
//   3. the real job's row goes through ENCODING, its progress bar sampled until it has grown at
//      least once (percent and width), to COMPLETED; list.png is taken while it encodes;
//   4. the FAILED filter shows the failed job only;
//   5. the job page shows COMPLETED, the timeline STARTING ... ENCODING ... COMPLETED, the
//      renditions read from manifest.mpd (a 640x360 video and an audio one), the Files list (manifest.mpd
//      linked, with a size, and the total), the poster, and plays
//      the output to the end (video.ended) in the embedded player (dash.js) with frames decoded
//      and no player error; job.png is taken then; the toggle's HLS player (hls.js) plays too;
//   6. logging out sends / back to /login.
// No request may fail except the two expected (401 wrong token, 400 bad path).
//
// Usage: node console_test.mjs <base url> <token> <screenshot dir> [input file path in the bucket]
// Exit code 0 on pass, 1 on fail; the last line is "1 passed, 0 failed" or "0 passed, 1 failed".

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const OVERALL_TIMEOUT_MS = 480_000;
const JOB_TIMEOUT_MS = 300_000; // from submission to COMPLETED (an ASan build encodes slowly)
const PLAYBACK_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];
const EXPECTED_HTTP_ERRORS = new Set(['POST /login -> 401', 'POST /api/jobs -> 400']);

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Polls `probe` until it returns something truthy; that value, or null after `timeoutMs`.
async function poll(probe, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) return null;
    await sleep(intervalMs);
  }
}

// Status, progress and error of the list row of `resourceId`, or null while it is absent.
function rowState(page, resourceId) {
  return page.evaluate((rid) => {
    const tr = document.querySelector(`tr[data-resource-id="${CSS.escape(rid)}"]`);
    if (!tr) return null;
    const bar = tr.querySelector('.progress');
    const fill = tr.querySelector('.progress .fill');
    return { status: tr.dataset.status, percent: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
      width: fill ? fill.getBoundingClientRect().width : null, label: bar ? bar.textContent : '',
      error: tr.querySelector('td.detail').textContent };
  }, resourceId);
}

async function submit(page, resourceId, filePath) {
  await page.fill('#submit-form input[name=resource_id]', resourceId);
  await page.fill('#submit-form input[name=file_path]', filePath);
  await page.click('#submit-form button[type=submit]');
  return poll(() => page.evaluate(() => {
    const r = document.querySelector('[data-submit-result]');
    return r && /ok|error/.test(r.className) ? { ok: r.classList.contains('ok'), text: r.textContent } : null;
  }), 15_000);
}

async function login(page, base, token, expect) {
  await page.goto(`${base}/`, { timeout: 15_000 });
  expect(new URL(page.url()).pathname === '/login', `GET / without a session is sent to /login (at ${page.url()})`);
  await page.fill('input[name=token]', 'wrong-token-0123456789');
  const [wrong] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
    page.click('form.login button[type=submit]')]);
  await page.waitForLoadState();
  const banner = await page.locator('.banner.error').textContent().catch(() => '');
  expect(wrong.status() === 401 && banner.includes('Wrong token') && await page.locator('input[name=token]').count() === 1,
    `a wrong token gets 401 and the form again (got ${wrong.status()}, "${banner}")`);
  await page.fill('input[name=token]', token);
  await Promise.all([page.waitForURL(`${base}/`, { timeout: 15_000 }), page.click('form.login button[type=submit]')]);
  const cookie = (await page.context().cookies()).find((c) => c.name === 've_session');
  expect(cookie && cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.value && !cookie.value.includes(token),
    `the right token sets an HttpOnly, SameSite=Strict session cookie without the token (${JSON.stringify(cookie)})`);
}

// Follows the row of `resourceId` to a final status; the statuses seen, the progress samples taken
// while ENCODING, and list.png taken once the bar has moved.
async function watchJob(page, resourceId, listShot) {
  const statuses = [];
  const samples = [];
  let shot = false;
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let state = null;
  while (Date.now() < deadline) {
    state = await rowState(page, resourceId).catch(() => null);
    if (state) {
      if (statuses[statuses.length - 1] !== state.status) statuses.push(state.status);
      if (state.status === 'ENCODING' && state.percent !== null) {
        const last = samples[samples.length - 1];
        if (!last || last.percent !== state.percent || Math.abs(last.width - state.width) > 1) samples.push(state);
        if (!shot && samples.some((s) => s.percent > samples[0].percent && s.width > samples[0].width)) {
          await page.screenshot({ path: listShot, fullPage: true });
          shot = true;
        }
      }
      if (['COMPLETED', 'FAILED', 'ABANDONED'].includes(state.status)) break;
    }
    await sleep(100);
  }
  if (!shot) await page.screenshot({ path: listShot, fullPage: true });
  return { statuses, samples, final: state };
}

async function checkJobPage(page, expect) {
  const completed = await poll(() => page.locator('.job-head .badge[data-status=COMPLETED]').count(), 15_000);
  expect(completed, 'the job page shows COMPLETED');
  const timeline = await page.$$eval('table.timeline tbody tr', (rows) => rows.map((r) => r.dataset.status));
  console.log(`timeline: ${timeline.join(' -> ')}`);
  expect(timeline[0] === 'STARTING' && timeline.includes('ENCODING') && timeline[timeline.length - 1] === 'COMPLETED',
    'the timeline runs from STARTING through ENCODING to COMPLETED');
  const renditions = await poll(() => page.$$eval('table.renditions tbody tr', (rows) => rows.length && rows.map(
    (r) => [...r.cells].map((c) => c.textContent).join(' | '))), 15_000);
  const shown = renditions || [await page.locator('.renditions-box').textContent().catch((e) => e.message)];
  console.log(`renditions:\n  ${shown.join('\n  ')}`);
  expect(renditions && renditions.some((r) => r.startsWith('video') && r.includes('640×360')) &&
    renditions.some((r) => r.startsWith('audio')), 'the renditions from manifest.mpd: a 640x360 video and an audio one');
  const files = await poll(() => page.$$eval('details.files tbody tr', (rows) => rows.length && rows.map((r) => ({
    path: r.dataset.path, size: r.cells[1].textContent, href: r.querySelector('a').getAttribute('href') }))), 15_000);
  const total = await page.locator('details.files summary').textContent().catch(() => '');
  console.log(`files (${total}): ${(files || []).map((f) => `${f.path} ${f.size}`).join(', ')}`);
  const manifest = (files || []).find((f) => f.path === 'manifest.mpd');
  expect(manifest && /^\d+(\.\d)? (B|kB|MB)$/.test(manifest.size) &&
    /^\/outputs\/[0-9a-f-]{36}\/manifest\.mpd$/.test(manifest.href) && /^\d+ files, \d+(\.\d)? (kB|MB)$/.test(total),
    `the Files list links manifest.mpd with its size, and the total (${JSON.stringify(manifest)}, "${total}")`);
  const poster = await poll(() => page.evaluate(() => {
    const img = document.querySelector('img.poster');
    return img && img.complete && img.naturalWidth > 0 ? `${img.naturalWidth}x${img.naturalHeight}` : null;
  }), 10_000);
  expect(poster, `the poster is shown (${poster})`);

  const engine = await poll(() => page.evaluate(() => document.querySelector('video#player')?.dataset.engine), 15_000);
  if (!expect(engine === 'dash', `the player starts with dash.js (engine: ${engine})`)) return;
  // Not waiting for play()'s promise: it stays pending while the player has no source.
  await page.evaluate(() => {
    const video = document.querySelector('video#player');
    video.muted = true;
    video.play().catch(() => {});
  });
  const result = await poll(() => page.evaluate(() => {
    const video = document.querySelector('video#player');
    const errors = [...document.querySelectorAll('[data-player-errors] li')].map((li) => li.textContent);
    // A play() made before the player attached its source is aborted by the attach: press play
    // again, as a viewer would, until it plays.
    if (video.paused && !video.ended && !errors.length) video.play().catch(() => {});
    if (!video.ended && !errors.length) return null;
    const q = video.getVideoPlaybackQuality();
    return { ended: video.ended, currentTime: video.currentTime, duration: video.duration, errors,
      frames: q.totalVideoFrames, dropped: q.droppedVideoFrames };
  }), PLAYBACK_TIMEOUT_MS, 200);
  if (result) {
    console.log(`playback: currentTime ${result.currentTime.toFixed(3)} of ${result.duration} s, ended: ${result.ended},` +
      ` frames decoded: ${result.frames}, dropped: ${result.dropped}`);
    await sleep(700); // the stats line under the player refreshes every 500 ms
  }
  expect(result && !result.errors.length, `no player error (${result ? result.errors.join('; ') : 'no result'})`);
  expect(result && result.ended, `playback reaches the end (video.ended; ${result ? '' : 'not '}within ${PLAYBACK_TIMEOUT_MS / 1000} s)`);
  expect(result && result.frames > 0, 'video frames were decoded');
  return true;
}

// The toggle's other player: hls.js on master.m3u8 plays a second with frames and no error.
async function checkHlsToggle(page, expect) {
  await page.click('.toggle button[data-kind=hls]');
  const engine = await poll(() => page.evaluate(() => document.querySelector('video#player')?.dataset.engine === 'hls'), 15_000);
  if (!expect(engine, 'the toggle switches the player to hls.js')) return;
  await page.evaluate(() => { document.querySelector('video#player').play().catch(() => {}); });
  const result = await poll(() => page.evaluate(() => {
    const video = document.querySelector('video#player');
    const errors = [...document.querySelectorAll('[data-player-errors] li')].map((li) => li.textContent);
    if (video.paused && !video.ended && !errors.length) video.play().catch(() => {});
    if (video.currentTime < 1 && !errors.length) return null;
    return { currentTime: video.currentTime, errors, frames: video.getVideoPlaybackQuality().totalVideoFrames };
  }), PLAYBACK_TIMEOUT_MS, 200);
  console.log(`hls.js: ${JSON.stringify(result)}`);
  expect(result && !result.errors.length && result.currentTime >= 1 && result.frames > 0,
    'hls.js plays master.m3u8 (past 1 s, frames decoded, no error)');
}

async function main(base, token, shotDir, inputPath) {
  const failures = [];
  const expect = (ok, what) => {
    console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
    if (!ok) failures.push(what);
    return ok;
  };
  mkdirSync(shotDir, { recursive: true });
  const listShot = path.join(shotDir, 'list.png');
  const jobShot = path.join(shotDir, 'job.png');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const pageErrors = [];
    const httpErrors = [];
    page.on('pageerror', (e) => pageErrors.push(`page exception: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`[browser console] ${m.text()}`); });
    page.on('response', (r) => {
      if (r.status() >= 400) httpErrors.push(`${r.request().method()} ${new URL(r.url()).pathname} -> ${r.status()}`);
    });

    await login(page, base, token, expect);

    const bad = await submit(page, 'console-bad', '../escape.mp4');
    expect(bad && !bad.ok && bad.text.startsWith('Not submitted:'), `a bad path shows the API's reason (${bad && bad.text})`);
    const stamp = Date.now().toString(36);
    const missingId = `console-missing-${stamp}`;
    const missing = await submit(page, missingId, 'missing.mp4');
    expect(missing && missing.ok, `a job with a missing input is submitted (${missing && missing.text})`);
    const resourceId = `console-${stamp}`;
    const queued = await submit(page, resourceId, inputPath);
    expect(queued && queued.ok && /Queued as message [0-9a-f-]{36}/.test(queued.text),
      `the job is submitted and its message id shown (${queued && queued.text})`);

    const { statuses, samples, final } = await watchJob(page, resourceId, listShot);
    console.log(`list row statuses: ${statuses.join(' -> ')}`);
    console.log(`progress while ENCODING: ${samples.map((s) => `${s.label} (${s.width.toFixed(0)} px)`).join(', ')}`);
    expect(statuses.includes('ENCODING') && final && final.status === 'COMPLETED',
      `the row goes through ENCODING to COMPLETED (last: ${JSON.stringify(final)})`);
    const grew = samples.some((s) => s.percent > samples[0]?.percent) &&
      samples[samples.length - 1]?.width > samples[0]?.width;
    expect(samples.length >= 2 && grew, `the progress bar moved while ENCODING (${samples.length} samples)`);
    const failed = await poll(async () => {
      const s = await rowState(page, missingId);
      return s && s.status === 'FAILED' ? s : null;
    }, 30_000);
    expect(failed && /not found/.test(failed.error), `the missing input's row is FAILED with the reason (${failed && failed.error})`);

    await page.click('button[data-filter=FAILED]');
    const filtered = await poll(() => page.$$eval('table.jobs tbody tr', (rows) => rows.length > 0 &&
      rows.every((r) => r.dataset.status === 'FAILED') && rows.map((r) => r.dataset.resourceId)), 10_000);
    expect(filtered && filtered.includes(missingId) && !filtered.includes(resourceId), 'the FAILED filter shows failed jobs only');
    await page.click('button[data-filter=""]');

    await Promise.all([page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/),
      page.click(`tr[data-resource-id="${resourceId}"] td.resource a`)]);
    const played = await checkJobPage(page, expect);
    await page.screenshot({ path: jobShot, fullPage: true });
    if (played) await checkHlsToggle(page, expect);

    await Promise.all([page.waitForURL(`${base}/login`), page.click('#logout button')]);
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname === '/login', 'after logging out, / is sent to /login again');

    const unexpected = httpErrors.filter((e) => !EXPECTED_HTTP_ERRORS.has(e));
    for (const e of [...unexpected.map((x) => `HTTP ${x}`), ...pageErrors]) expect(false, e);
  } catch (e) {
    failures.push(e.message);
    console.log(`FAIL: ${e.message}`);
  } finally {
    await browser.close().catch(() => {});
  }
  console.log(`screenshots: ${listShot} ${jobShot}`);
  return failures.length === 0;
}

const [base, token, shotDir, inputPath = 'input.mp4'] = process.argv.slice(2);
if (!base || !token || !shotDir) {
  console.error('usage: node console_test.mjs <base url> <token> <screenshot dir> [input file path]');
  process.exit(1);
}
const killTimer = setTimeout(() => {
  console.log(`FAIL: overall timeout of ${OVERALL_TIMEOUT_MS / 1000} s exceeded`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
let ok = false;
try {
  ok = await main(base.replace(/\/$/, ''), token, path.resolve(shotDir), inputPath);
} catch (e) {
  console.log(`FAIL: ${e.message}`);
}
clearTimeout(killTimer);
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
