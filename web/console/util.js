// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the console's views: the API client, DOM building and formatting.

export const STATUSES = ['STARTING', 'DOWNLOADING', 'FRAGMENTING', 'ENCODING', 'UPLOADING', 'FINISHING',
  'COMPLETED', 'FAILED', 'ABANDONED'];
export const FINAL_STATUSES = new Set(['COMPLETED', 'FAILED', 'ABANDONED']);
export const REFRESH_MS = 1500;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// A JSON request to the service's API; the parsed body, or an ApiError with the service's "error".
// A 401 means the session is gone (token changed, cookie cleared): back to the login form.
export async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...options,
      headers: { Accept: 'application/json', ...(options.headers || {}) } });
  } catch (e) {
    throw new ApiError(0, `cannot reach the service (${e.message})`);
  }
  if (response.status === 401) {
    window.location.assign('/login');
    throw new ApiError(401, 'not logged in');
  }
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (!response.ok) throw new ApiError(response.status, body.error || `HTTP ${response.status}`);
  return body;
}

// An element with attributes (on* as listeners, "dataset" as data-*) and children (strings are text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function badge(status) {
  return el('span', { class: `badge status-${status.toLowerCase()}`, dataset: { status } }, status);
}

// A progress bar whose update(percent, fps) moves it; percent null hides the figures.
export function progressBar() {
  const fill = el('span', { class: 'fill' });
  const label = el('span', { class: 'label' });
  const bar = el('span', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 },
    el('span', { class: 'track' }, fill), label);
  bar.update = (percent, fps) => {
    const p = Math.max(0, Math.min(100, Number(percent) || 0));
    fill.style.width = `${p}%`;
    bar.setAttribute('aria-valuenow', p.toFixed(1));
    label.textContent = `${p.toFixed(0)}%` + (fps > 0 ? ` · ${fps.toFixed(fps < 10 ? 1 : 0)} fps` : '');
  };
  return bar;
}

const pad = (n) => String(n).padStart(2, '0');

// "2024-05-01 14:03:07" in the browser's time zone.
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "0.4 s", "12.3 s", "4 min 05 s", "2 h 03 min".
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '';
  const s = Math.max(0, seconds);
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(Math.floor(s % 60))} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

// "812 B", "4.7 kB", "1.2 MB", "350 MB", "2.1 GB" (powers of 1000).
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return '';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit += 1;
  } while (value >= 999.5 && unit < units.length - 1);
  return `${value.toFixed(value < 9.95 ? 1 : 0)} ${units[unit]}`;
}

export function secondsBetween(fromIso, toIso) {
  return (new Date(toIso).getTime() - new Date(fromIso).getTime()) / 1000;
}

// "12 s ago", "3 min ago", "5 h ago", "2 d ago".
export function ago(iso) {
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (!(s >= 0)) return '';
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// How long a job took (final) or has been running so far.
export function jobDuration(job) {
  if (job.duration_seconds !== null && job.duration_seconds !== undefined) return formatDuration(job.duration_seconds);
  if (FINAL_STATUSES.has(job.status)) return '';
  return `${formatDuration((Date.now() - new Date(job.created_at).getTime()) / 1000)} so far`;
}

export function outputUrl(videoId, file) {
  return `/outputs/${encodeURIComponent(videoId)}/${file}`;
}

// Calls `tick` now and then every `ms` after each call settles, slower while the tab is hidden;
// returns a function that stops it.
export function every(ms, tick) {
  let timer = null;
  let stopped = false;
  const run = async () => {
    try {
      await tick();
    } finally {
      if (!stopped) timer = setTimeout(run, document.hidden ? Math.max(ms, 10_000) : ms);
    }
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
