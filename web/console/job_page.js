// SPDX-License-Identifier: Apache-2.0
// One job: its status and progress, every status change, and once COMPLETED its output: renditions
// (read from manifest.mpd), poster, a player and the uploaded files with their sizes (job API). Refreshed every REFRESH_MS until the job is final.
import { playerPanel } from './player.js';
import { renditionsTable } from './renditions.js';
import { api, badge, el, every, FINAL_STATUSES, formatBytes, formatDuration, formatTime, jobDuration, outputUrl,
  progressBar, REFRESH_MS, secondsBetween } from './util.js';

const FILES_SHOWN_OPEN = 30; // a longer list starts folded

function field(label, value, cls = '') {
  return [el('dt', {}, label), el('dd', { class: cls }, value || el('span', { class: 'muted' }, '—'))];
}

function summary(job, bar) {
  const head = el('div', { class: 'job-head' }, el('h1', {}, 'Job ', el('span', { class: 'mono' }, job.id)), badge(job.status));
  if (job.status === 'ENCODING' || (job.progress !== null && !FINAL_STATUSES.has(job.status))) {
    bar.update(job.progress, job.frames_per_second);
    head.append(bar);
  }
  const facts = el('dl', { class: 'facts' },
    field('Resource', job.video.resource_id),
    field('File', job.video.file_path, 'mono'),
    field('Video id', job.video.id, 'mono'),
    field('Output', job.output_bucket_path ? `${job.output_bucket_path}/${job.video.id}/` : '', 'mono'),
    field('Created', `${formatTime(job.created_at)}`),
    field('Updated', `${formatTime(job.updated_at)}`),
    field('Duration', jobDuration(job)),
    field('Encoding speed', job.frames_per_second > 0 ? `${job.frames_per_second.toFixed(1)} fps` : ''));
  const parts = [head, facts];
  if (job.error) parts.push(el('div', { class: 'banner error', dataset: { jobError: '' } }, job.error));
  return el('section', { class: 'card' }, parts);
}

function timeline(job, events) {
  const rows = events.map((e, i) => el('tr', { dataset: { status: e.status } },
    el('td', { class: 'num muted' }, String(i + 1)),
    el('td', {}, badge(e.status)),
    el('td', { class: 'time', title: e.at }, formatTime(e.at)),
    el('td', { class: 'num' }, i ? `+${formatDuration(secondsBetween(events[i - 1].at, e.at))}` : ''),
    el('td', { class: 'num muted' }, formatDuration(secondsBetween(events[0].at, e.at))),
    el('td', { class: 'note' }, e.note || '')));
  return el('section', { class: 'card' },
    el('h2', {}, 'Timeline'),
    el('table', { class: 'timeline' },
      el('thead', {}, el('tr', {}, el('th', { class: 'num' }, '#'), el('th', {}, 'Status'), el('th', {}, 'Time'),
        el('th', { class: 'num' }, 'Since previous'), el('th', { class: 'num' }, 'Since start'), el('th', { class: 'note' }, 'Note'))),
      el('tbody', {}, rows)),
    FINAL_STATUSES.has(job.status) ? null : el('p', { class: 'muted' }, 'in progress, refreshing…'));
}

// Whether `url` answers 200; otherwise why not, as "GET <url>: HTTP 404".
async function probe(url) {
  try {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    return { ok: response.ok, problem: `GET ${url}: HTTP ${response.status}` };
  } catch (e) {
    return { ok: false, problem: `GET ${url}: ${e.message}` };
  }
}

// The uploaded files, each linked to its /outputs url, with its size and the total; folded when long.
function filesList(outputs, totalBytes) {
  if (!outputs.length) return el('p', { class: 'muted', dataset: { files: '' } }, 'no files recorded');
  const total = `${outputs.length} file${outputs.length === 1 ? '' : 's'}, ${formatBytes(totalBytes)}`;
  const rows = outputs.map((f) => el('tr', { dataset: { path: f.path } },
    el('td', { class: 'mono' }, el('a', { href: f.url }, f.path)),
    el('td', { class: 'num' }, formatBytes(f.bytes))));
  return el('details', { class: 'files', open: outputs.length <= FILES_SHOWN_OPEN, dataset: { files: '' } },
    el('summary', { class: 'muted' }, total),
    el('table', { class: 'files' }, el('tbody', {}, rows)));
}

async function outputSection(job, outputs, totalBytes) {
  const videoId = job.video.id;
  const [mpd, m3u8] = await Promise.all([probe(outputUrl(videoId, 'manifest.mpd')),
    probe(outputUrl(videoId, 'master.m3u8'))]);
  const [dash, hls] = [mpd.ok, m3u8.ok];
  const poster = el('img', { class: 'poster', src: outputUrl(videoId, 'poster.jpg'), alt: 'poster.jpg' });
  const posterBox = el('figure', { class: 'poster-box' }, poster, el('figcaption', { class: 'muted' }, 'poster.jpg'));
  poster.addEventListener('error', () => posterBox.replaceChildren(el('p', { class: 'muted' }, 'no poster.jpg')));
  const renditions = el('div', { class: 'renditions-box' }, el('p', { class: 'muted' }, 'reading manifest.mpd…'));
  if (dash) renditionsTable(outputUrl(videoId, 'manifest.mpd')).then((t) => renditions.replaceChildren(t));
  else renditions.replaceChildren(el('p', { class: hls ? 'muted' : 'error' }, hls ? 'no manifest.mpd (HLS only)' : mpd.problem));
  const player = dash || hls ? playerPanel(videoId, { dash, hls })
    : el('div', { class: 'banner error' }, 'Nothing to play: ', mpd.problem, '; ', m3u8.problem);
  return el('section', { class: 'card output' },
    el('h2', {}, 'Output'),
    el('div', { class: 'output-grid' }, player, posterBox),
    el('h3', {}, 'Renditions'), renditions,
    el('h3', {}, 'Files'), filesList(outputs || [], totalBytes || 0));
}

export function showJobPage(root, id) {
  const bar = progressBar();
  const head = el('div');
  const history = el('div');
  const output = el('div');
  const problem = el('div', { class: 'banner error', hidden: true });
  root.replaceChildren(el('p', { class: 'crumbs' }, el('a', { href: '/' }, '← Jobs')), problem, head, history, output);
  document.title = `Job ${id.slice(0, 8)} · video-encoder`;
  let shownOutput = false;
  let stop = () => {};
  stop = every(REFRESH_MS, async () => {
    let detail;
    try {
      detail = await api(`/api/jobs/${encodeURIComponent(id)}`);
    } catch (e) {
      problem.hidden = false;
      problem.textContent = e.status === 404 ? `No job ${id}.` : `Cannot load the job: ${e.message}`;
      if (e.status === 404 || e.status === 400) stop();
      return;
    }
    problem.hidden = true;
    const { job, events } = detail;
    head.replaceChildren(summary(job, bar));
    history.replaceChildren(timeline(job, events));
    document.title = `${job.status} · ${job.video.resource_id} · video-encoder`;
    if (FINAL_STATUSES.has(job.status)) stop();
    if (job.status === 'COMPLETED' && !shownOutput) {
      shownOutput = true;
      output.replaceChildren(await outputSection(job, detail.outputs, detail.output_bytes));
    }
  });
}
