// SPDX-License-Identifier: Apache-2.0
// The job page's player: dash.js on manifest.mpd where Media Source Extensions exist, otherwise
// HLS (hls.js, or the browser's own, as in Safari on iPhone); a toggle switches between the two.
// The player scripts are the ones compiled into the binary, loaded only when a player is shown.
import { el, formatDuration, outputUrl } from './util.js';

const scripts = new Map();
function loadScript(src) {
  if (!scripts.has(src)) {
    scripts.set(src, new Promise((resolve, reject) => {
      const script = el('script', { src });
      script.addEventListener('load', resolve);
      script.addEventListener('error', () => reject(new Error(`cannot load ${src}`)));
      document.head.append(script);
    }));
  }
  return scripts.get(src);
}

const hasMse = () => 'MediaSource' in window || 'ManagedMediaSource' in window;

// Starts `kind` ('dash' or 'hls') on `video`; returns { engine, destroy }. Errors go to `report`.
async function attach(kind, video, videoId, report) {
  if (kind === 'dash') {
    await loadScript('/console/dash.all.min.js');
    const player = window.dashjs.MediaPlayer().create();
    const events = window.dashjs.MediaPlayer.events;
    for (const name of ['ERROR', 'PLAYBACK_ERROR']) {
      if (!events[name]) continue;
      player.on(events[name], (ev) => {
        const e = ev.error || {};
        report(`dash.js ${e.code !== undefined ? e.code : ''}: ${e.message || ev.type}`);
      });
    }
    player.initialize(video, outputUrl(videoId, 'manifest.mpd'), false);
    return { engine: `dash.js ${player.getVersion()}`, destroy: () => player.reset() };
  }
  const url = outputUrl(videoId, 'master.m3u8');
  if (!hasMse() && video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
    return { engine: 'native HLS', destroy: () => { video.removeAttribute('src'); video.load(); } };
  }
  await loadScript('/console/hls.min.js');
  const { Hls } = window;
  if (!Hls.isSupported()) throw new Error('this browser can play neither DASH nor HLS');
  const hls = new Hls();
  hls.on(Hls.Events.ERROR, (_, d) => {
    if (d.fatal) report(`hls.js ${d.type}: ${d.details}${d.error ? ` ${d.error.message}` : ''}`);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return { engine: `hls.js ${Hls.version}`, destroy: () => hls.destroy() };
}

function statsText(video, engine) {
  const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
  let ahead = 0;
  for (let i = 0; i < video.buffered.length; ++i) {
    if (video.buffered.start(i) <= video.currentTime && video.currentTime <= video.buffered.end(i)) {
      ahead = video.buffered.end(i) - video.currentTime;
    }
  }
  const parts = [engine];
  if (video.videoHeight) parts.push(`${video.videoWidth}×${video.videoHeight}`);
  if (Number.isFinite(video.duration)) parts.push(`${video.currentTime.toFixed(1)} / ${formatDuration(video.duration)}`);
  if (q) parts.push(`${q.totalVideoFrames} frames decoded, ${q.droppedVideoFrames} dropped`);
  parts.push(`${ahead.toFixed(1)} s buffered`);
  if (video.ended) parts.push('ended');
  return parts.join(' · ');
}

// The player panel for a completed job's output; `formats` says which manifests exist (one at least).
export function playerPanel(videoId, formats) {
  const video = el('video', { id: 'player', controls: true, playsinline: true, preload: 'metadata',
    poster: outputUrl(videoId, 'poster.jpg') });
  const stats = el('div', { class: 'player-stats mono', dataset: { playerStats: '' } });
  const errors = el('ul', { class: 'player-errors', dataset: { playerErrors: '' } });
  const buttons = el('div', { class: 'toggle', role: 'group', 'aria-label': 'Player' });
  let current = null;
  let generation = 0;

  const report = (message) => errors.append(el('li', {}, message));
  video.addEventListener('error', () => {
    const e = video.error;
    // Switching players empties the element's source, which it reports as an error of its own.
    if (!current || !e || (e.code === 4 && /empty src/i.test(e.message || ''))) return;
    report(`video element: error ${e.code}${e.message ? ` ${e.message}` : ''}`);
  });

  const start = async (kind) => {
    const mine = ++generation;
    if (current) current.destroy();
    current = null;
    errors.replaceChildren();
    for (const b of buttons.children) b.classList.toggle('active', b.dataset.kind === kind);
    try {
      const attached = await attach(kind, video, videoId, report);
      if (mine !== generation) return attached.destroy();
      current = attached;
      video.dataset.engine = kind;
    } catch (e) {
      report(e.message);
    }
  };

  const labels = { dash: 'DASH · manifest.mpd', hls: 'HLS · master.m3u8' };
  for (const kind of ['dash', 'hls']) {
    if (!formats[kind]) continue;
    buttons.append(el('button', { type: 'button', dataset: { kind }, onclick: () => start(kind) }, labels[kind]));
  }
  const timer = setInterval(() => {
    if (!video.isConnected) return clearInterval(timer);
    stats.textContent = current ? statsText(video, current.engine) : '';
  }, 500);

  start(formats.dash && (hasMse() || !formats.hls) ? 'dash' : 'hls');
  const links = ['manifest.mpd', 'master.m3u8'].filter((f) => formats[f.endsWith('.mpd') ? 'dash' : 'hls'])
    .map((f) => el('a', { href: outputUrl(videoId, f), target: '_blank', rel: 'noopener' }, f));
  return el('div', { class: 'player-panel' },
    el('div', { class: 'player-bar' }, buttons, el('span', { class: 'links' }, links)),
    video, stats, errors);
}
