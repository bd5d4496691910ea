// Real-browser playback test: packages an MP4 with video-encoder, serves the presentation over
// HTTP and plays it to the end in headless Chromium, with dash.js (manifest.mpd) or hls.js
// (master.m3u8).
//
// Usage: node play_test.mjs <path-to-video-encoder-binary> <input | generated:subtitles | generated:hevc>
//                           [dash|hls] [switch]
// "generated:subtitles" makes a 6 s input with ffmpeg (video, audio and a French mov_text track
// whose first cue is SUBTITLE_TEXT at 1.0 s); the test then also requires the player to expose
// that cue in video.textTracks with the input's text and start time. "generated:hevc" makes an
// 8 s 1280x720 10-bit HEVC input with AAC audio, which no browser here plays as it is.
// "switch": the input is encoded into a ladder (the default --renditions auto); playback starts
// on the lowest rendition, is forced to the highest mid-play, and the picture the video element
// shows must have been the lowest's height first and the highest's at the end.
// Exit code 0 on pass, 1 on fail; the last line is "1 passed, 0 failed" or "0 passed, 1 failed".
// VE_TEST_SABOTAGE=delete-segment deletes a video media segment after packaging; it exists
// only to prove that the test can fail.

import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const OVERALL_TIMEOUT_MS = 120_000;
const PLAYBACK_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];
const CONTENT_TYPES = {
  '.mpd': 'application/dash+xml', '.mp4': 'video/mp4', '.m4s': 'video/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl', '.vtt': 'text/vtt',
};
const requireModule = createRequire(import.meta.url);
const SCRIPTS = {
  '/dash.all.min.js': requireModule.resolve('dashjs/dist/dash.all.min.js'),
  '/hls.min.js': requireModule.resolve('hls.js/dist/hls.min.js'),
};
const SUBTITLE_TEXT = 'Bonjour, first cue';
const SUBTITLE_START = 1.0;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="/dash.all.min.js"></script><script src="/hls.min.js"></script></head>
<body><script>
// The first cue any text track holds, as {text, start}, or null.
function firstCue(video) {
  for (const track of video.textTracks) {
    if (track.mode === 'disabled') track.mode = 'hidden';
    if (track.cues && track.cues.length) {
      let first = track.cues[0];
      for (const c of track.cues) if (c.startTime < first.startTime) first = c;
      return { text: first.text, start: first.startTime, kind: track.kind, language: track.language };
    }
  }
  return null;
}
window.play = (manifestUrl, kind, duration, timeoutMs, switchAt) => new Promise((resolve) => {
  const heights = [];
  let switched = false;
  const errors = [];
  let ended = false;
  const video = document.createElement('video');
  video.muted = true;
  document.body.appendChild(video);
  video.addEventListener('ended', () => { ended = true; });
  video.addEventListener('error', () => {
    const e = video.error;
    errors.push('video error: code ' + (e && e.code) + ' ' + (e && e.message));
  });
  let player;
  if (kind === 'hls') {
    player = new Hls(switchAt ? { startLevel: 0, maxBufferLength: 2, maxMaxBufferLength: 2 } : { renderTextTracksNatively: true });
    player.on(Hls.Events.ERROR, (_, d) => {
      errors.push('hls.js ' + (d.fatal ? 'FATAL ' : '') + d.type + ': ' + d.details + (d.error ? ' ' + d.error.message : ''));
    });
    player.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => {
      if (player.subtitleTracks.length) { player.subtitleTrack = 0; player.subtitleDisplay = true; }
    });
    player.loadSource(manifestUrl);
    player.attachMedia(video);
    video.play().catch((e) => errors.push('play(): ' + e.message));
    player.destroyPlayer = () => player.destroy();
    if (switchAt) player.on(Hls.Events.MANIFEST_PARSED, () => { player.currentLevel = 0; });
    // hls.js orders levels by bandwidth: the last is the highest.
    player.switchToHighest = () => { player.nextLevel = player.levels.length - 1; };
  } else {
    player = dashjs.MediaPlayer().create();
    player.on(dashjs.MediaPlayer.events.ERROR, (ev) => {
      const e = ev.error || {};
      errors.push('dash.js ERROR ' + (e.code !== undefined ? e.code : '') + ': ' + (e.message || JSON.stringify(ev)));
    });
    if (switchAt) {
      player.updateSettings({ streaming: {
        abr: { autoSwitchBitrate: { video: false }, initialBitrate: { video: 1 } },
        buffer: { bufferTimeAtTopQuality: 2, bufferTimeAtTopQualityLongForm: 2, stableBufferTime: 2 } } });
    }
    player.initialize(video, manifestUrl, true);
    player.enableText(true);
    player.destroyPlayer = () => player.reset();
    // dash.js numbers qualities by bandwidth, lowest first; forceReplace drops what is buffered.
    player.switchToHighest = () => {
      player.setQualityFor('video', player.getBitrateInfoListFor('video').length - 1);
    };
  }
  let cue = null;
  const started = Date.now();
  let firstErrorAt = 0;
  const timer = setInterval(() => {
    if (errors.length && !firstErrorAt) firstErrorAt = Date.now();
    cue = cue || firstCue(video);
    if (video.videoHeight && heights[heights.length - 1] !== video.videoHeight) heights.push(video.videoHeight);
    if (switchAt && !switched && video.currentTime >= switchAt) {
      switched = true;
      player.switchToHighest();
    }
    const reachedEnd = ended || video.currentTime >= duration - 0.1;
    const timedOut = Date.now() - started > timeoutMs;
    const gaveUp = firstErrorAt && Date.now() - firstErrorAt > 2000;
    if (!reachedEnd && !timedOut && !gaveUp) return;
    clearInterval(timer);
    const q = video.getVideoPlaybackQuality();
    resolve({ ended, timedOut: !reachedEnd && timedOut, currentTime: video.currentTime,
      videoDuration: video.duration, totalVideoFrames: q.totalVideoFrames,
      droppedVideoFrames: q.droppedVideoFrames, errors, cue: cue || firstCue(video), heights });
    player.destroyPlayer();
  }, 100);
});
</script></body></html>`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`${cmd} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout.trim();
}

function probe(input) {
  const frames = parseInt(run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets',
    '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', input]), 10); // may end in ','
  const duration = Number(run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration',
    '-of', 'csv=p=0', input]));
  if (!(frames > 0) || !(duration > 0)) throw new Error(`ffprobe: bad frames=${frames} duration=${duration}`);
  return { frames, duration };
}

// An 8 s 1280x720 10-bit HEVC video with AAC audio, as phones record (without the HDR).
function makeHevcInput(dir) {
  const out = path.join(dir, 'phone.mp4');
  run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=8',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=8', '-c:v', 'libx265', '-preset', 'ultrafast',
    '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p10le', '-tag:v', 'hvc1', '-c:a', 'aac', out]);
  return out;
}

// The video heights of the renditions listed in a master playlist, lowest first.
function renditionHeights(mediaDir) {
  const master = readFileSync(path.join(mediaDir, 'master.m3u8'), 'utf8');
  const heights = [...master.matchAll(/RESOLUTION=\d+x(\d+)/g)].map((m) => Number(m[1]));
  return [...new Set(heights)].sort((a, b) => a - b);
}

// A 6 s 320x240 video with AAC audio and a French mov_text subtitle track of three cues.
function makeSubtitledInput(dir) {
  const srt = path.join(dir, 'cues.srt');
  writeFileSync(srt, `1\n00:00:01,000 --> 00:00:02,500\n${SUBTITLE_TEXT}\n\n` +
    '2\n00:00:03,000 --> 00:00:04,000\nSecond cue\n\n3\n00:00:04,500 --> 00:00:05,500\nThird cue\n');
  const out = path.join(dir, 'subtitled.mp4');
  run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=6',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-i', srt,
    '-map', '0', '-map', '1', '-map', '2', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-c:s', 'mov_text', '-metadata:s:s:0', 'language=fre', out]);
  return out;
}

function sabotage(dir) {
  const segs = readdirSync(dir).filter((f) => f.endsWith('.m4s')).sort();
  const video = segs.filter((f) => f.includes('video'));
  const list = video.length ? video : segs;
  const victim = list[Math.min(1, list.length - 1)]; // the second segment, or the only one
  rmSync(path.join(dir, victim));
  console.log(`SABOTAGE: deleted ${victim}`);
}

function serve(mediaDir, httpErrors) {
  const server = createServer((req, res) => {
    res.on('finish', () => {
      if (res.statusCode !== 200) httpErrors.push(`${req.method} ${req.url} -> ${res.statusCode}`);
    });
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    let file = null;
    let type = 'text/html; charset=utf-8';
    if (SCRIPTS[pathname]) {
      file = SCRIPTS[pathname];
      type = 'text/javascript';
    } else if (pathname.startsWith('/media/')) {
      const name = pathname.slice('/media/'.length);
      type = CONTENT_TYPES[path.extname(name)];
      if (type && /^[\w.-]+$/.test(name)) file = path.join(mediaDir, name);
    }
    const size = file ? statSync(file, { throwIfNoEntry: false })?.size : undefined;
    if (req.method !== 'GET' || (pathname !== '/' && size === undefined)) {
      res.writeHead(404).end();
    } else if (pathname === '/') {
      res.writeHead(200, { 'Content-Type': type }).end(PAGE);
    } else {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Cache-Control': 'no-store' });
      createReadStream(file).pipe(res);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main(binary, inputArg, kind, switching) {
  const tmp = mkdtempSync(path.join(tmpdir(), 've-browser-'));
  let server;
  let browser;
  const killTimer = setTimeout(() => {
    console.error(`FAIL: overall timeout of ${OVERALL_TIMEOUT_MS / 1000} s exceeded`);
    rmSync(tmp, { recursive: true, force: true });
    console.log('0 passed, 1 failed');
    process.exit(1); // playwright kills the browser process on exit
  }, OVERALL_TIMEOUT_MS);
  try {
    const subtitled = inputArg === 'generated:subtitles';
    const input = subtitled ? makeSubtitledInput(tmp) : inputArg === 'generated:hevc' ? makeHevcInput(tmp) : inputArg;
    // Switching needs several segments: 2 s ones (the source is then encoded whole unless its
    // key frames come at most 4 s apart).
    run(binary, ['package', input, '--out', tmp, '-q', ...(switching ? ['--segment-duration', '2'] : [])]);
    const mediaDir = path.join(tmp, path.parse(input).name);
    const ladder = renditionHeights(mediaDir);
    console.log(`renditions (heights): ${ladder.join(', ')}`);
    if (process.env.VE_TEST_SABOTAGE === 'delete-segment') sabotage(mediaDir);
    const { frames, duration } = probe(input);

    const httpErrors = [];
    server = await serve(mediaDir, httpErrors);
    const base = `http://127.0.0.1:${server.address().port}`;

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(`page exception: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`[browser console] ${m.text()}`); });
    await page.goto(`${base}/`, { timeout: 15_000 });
    const manifest = kind === 'hls' ? 'master.m3u8' : 'manifest.mpd';
    console.log(`player: ${kind === 'hls' ? 'hls.js' : 'dash.js'}, ${manifest}`);
    const r = await page.evaluate(([url, k, d, t, s]) => window.play(url, k, d, t, s),
      [`${base}/media/${manifest}`, kind, duration, PLAYBACK_TIMEOUT_MS, switching ? duration / 4 : 0]);

    console.log(`frames decoded: ${r.totalVideoFrames} / input frames: ${frames}` +
      ` (need >= ${Math.ceil(0.9 * frames)}), dropped: ${r.droppedVideoFrames}`);
    console.log(`final currentTime: ${r.currentTime.toFixed(3)} s, input duration: ${duration.toFixed(3)} s,` +
      ` video.duration: ${r.videoDuration}, ended: ${r.ended}`);
    const failures = [...httpErrors.map((e) => `HTTP ${e}`), ...r.errors, ...pageErrors];
    if (r.timedOut) failures.push(`playback did not reach the end within ${PLAYBACK_TIMEOUT_MS / 1000} s`);
    if (!r.ended && r.currentTime < duration - 0.25) failures.push('playback did not reach the end');
    if (r.totalVideoFrames < 0.9 * frames) failures.push('too few video frames decoded');
    if (switching) {
      console.log(`picture heights shown, in order: ${r.heights.join(' -> ')}`);
      if (ladder.length < 2) failures.push(`expected a ladder of several renditions, got ${ladder.length}`);
      if (r.heights[0] !== ladder[0]) failures.push(`playback did not start on the lowest rendition (${ladder[0]} lines)`);
      if (r.heights[r.heights.length - 1] !== ladder[ladder.length - 1]) {
        failures.push(`playback did not end on the highest rendition (${ladder[ladder.length - 1]} lines)`);
      }
    }
    if (subtitled) {
      console.log(`first cue: ${JSON.stringify(r.cue)} (input: "${SUBTITLE_TEXT}" at ${SUBTITLE_START} s)`);
      if (!r.cue) failures.push('no subtitle cue reached video.textTracks');
      else if (r.cue.text !== SUBTITLE_TEXT || Math.abs(r.cue.start - SUBTITLE_START) > 0.005) {
        failures.push(`first cue is "${r.cue.text}" at ${r.cue.start} s, not "${SUBTITLE_TEXT}" at ${SUBTITLE_START} s`);
      }
    }
    for (const f of failures) console.log(`FAIL: ${f}`);
    return failures.length === 0;
  } finally {
    clearTimeout(killTimer);
    await browser?.close().catch(() => {});
    server?.closeAllConnections();
    server?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const [binary, input, kind = 'dash', mode = ''] = process.argv.slice(2);
if (!binary || !input || !['dash', 'hls'].includes(kind) || !['', 'switch'].includes(mode)) {
  console.error('usage: node play_test.mjs <path-to-video-encoder-binary> <input | generated:subtitles | generated:hevc>' +
    ' [dash|hls] [switch]');
  process.exit(1);
}
let ok = false;
try {
  ok = await main(path.resolve(binary), input.startsWith('generated:') ? input : path.resolve(input), kind,
    mode === 'switch');
} catch (e) {
  console.log(`FAIL: ${e.message}`);
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
