// SPDX-License-Identifier: Apache-2.0
// The job list: a submit form, status filters, the jobs newest first (refreshed every REFRESH_MS,
// rows updated in place so progress bars move smoothly) and "load more" paging.
import { api, ago, badge, el, every, FINAL_STATUSES, formatTime, jobDuration, progressBar, REFRESH_MS,
  STATUSES } from './util.js';

const PAGE_SIZE = 50;
const MAX_REFRESHED = 500; // the API's largest page

function submitForm(onSubmitted) {
  const result = el('span', { class: 'submit-result', dataset: { submitResult: '' } });
  const resource = el('input', { name: 'resource_id', placeholder: 'resource id', required: true, size: 18 });
  const file = el('input', { name: 'file_path', placeholder: 'file path in the input bucket', required: true, size: 34 });
  const button = el('button', { type: 'submit', class: 'primary' }, 'Submit job');
  const form = el('form', { class: 'submit', id: 'submit-form' }, el('strong', {}, 'New job'), resource, file, button, result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    result.className = 'submit-result';
    result.textContent = 'submitting…';
    try {
      const body = JSON.stringify({ resource_id: resource.value, file_path: file.value });
      const reply = await api('/api/jobs', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      result.className = 'submit-result ok';
      result.textContent = `Queued as message ${reply.message_id}`;
      result.dataset.messageId = reply.message_id;
      onSubmitted();
    } catch (e) {
      result.className = 'submit-result error';
      // The API's reasons already begin with "not submitted: ...".
      const reason = /^not submitted/i.test(e.message) ? e.message.replace(/^n/, 'N') : `Not submitted: ${e.message}`;
      result.textContent = reason;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Builds a row once; update() refreshes it in place.
function jobRow(job) {
  const cells = {
    status: el('td', { class: 'status' }),
    progress: el('td', { class: 'progress-cell' }),
    resource: el('td', { class: 'resource' }),
    file: el('td', { class: 'file mono' }),
    created: el('td', { class: 'time' }),
    duration: el('td', { class: 'num' }),
    id: el('td', { class: 'mono' }, el('a', { href: `/jobs/${job.id}`, title: job.id }, job.id.slice(0, 8))),
    detail: el('td', { class: 'detail' }),
  };
  const bar = progressBar();
  const tr = el('tr', { dataset: { jobId: job.id, resourceId: job.video.resource_id } }, Object.values(cells));
  tr.update = (j) => {
    if (tr.dataset.status !== j.status) {
      tr.dataset.status = j.status;
      cells.status.replaceChildren(badge(j.status));
    }
    // The bar while encoding; afterwards the last figures stay visible for finished stages.
    if (j.status === 'ENCODING' || (j.progress !== null && !FINAL_STATUSES.has(j.status))) {
      if (!bar.isConnected) cells.progress.replaceChildren(bar);
      bar.update(j.progress, j.frames_per_second);
    } else if (j.status === 'COMPLETED') {
      cells.progress.replaceChildren(el('span', { class: 'muted' }, j.frames_per_second > 0
        ? `done · ${j.frames_per_second.toFixed(0)} fps` : 'done'));
    } else if (!FINAL_STATUSES.has(j.status)) {
      cells.progress.replaceChildren(el('span', { class: 'muted stage' }, `${j.status.toLowerCase()}…`));
    } else {
      cells.progress.replaceChildren();
    }
    cells.resource.replaceChildren(el('a', { href: `/jobs/${j.id}` }, j.video.resource_id));
    cells.file.textContent = j.video.file_path;
    cells.file.title = j.output_bucket_path ? `output: ${j.output_bucket_path}` : '';
    cells.created.replaceChildren(formatTime(j.created_at), el('span', { class: 'muted' }, ` ${ago(j.created_at)}`));
    cells.created.title = j.created_at;
    cells.duration.textContent = jobDuration(j);
    cells.detail.textContent = j.error || '';
    cells.detail.title = j.error || '';
    cells.detail.className = `detail ${j.status === 'FAILED' || j.status === 'ABANDONED' ? 'error' : ''}`;
  };
  tr.update(job);
  return tr;
}

export function showJobList(root) {
  const params = new URLSearchParams(window.location.search);
  const state = { status: (params.get('status') || '').toUpperCase(), jobs: [], nextBefore: null, seen: null };
  const rows = new Map();
  const tbody = el('tbody');
  const empty = el('p', { class: 'muted empty', hidden: true }, 'No jobs yet.');
  const updated = el('span', { class: 'muted updated' });
  const problem = el('div', { class: 'banner error', hidden: true });
  const more = el('button', { type: 'button', hidden: true, onclick: () => loadMore() }, 'Load more');
  const filters = el('div', { class: 'filters', role: 'group', 'aria-label': 'Filter by status' });

  const render = () => {
    const fresh = [];
    for (const job of state.jobs) {
      let tr = rows.get(job.id);
      if (!tr) {
        tr = jobRow(job);
        rows.set(job.id, tr);
        if (state.seen) tr.classList.add('new');
      } else {
        tr.update(job);
      }
      fresh.push(tr);
    }
    const keep = new Set(state.jobs.map((j) => j.id));
    for (const [id, tr] of rows) {
      if (keep.has(id)) continue;
      rows.delete(id);
      tr.remove();
    }
    fresh.forEach((tr, i) => { if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null); });
    state.seen = true;
    empty.hidden = state.jobs.length > 0;
    empty.textContent = state.status ? `No ${state.status} jobs.` : 'No jobs yet.';
    more.hidden = !state.nextBefore;
  };

  const query = (extra) => {
    const q = new URLSearchParams(extra);
    if (state.status) q.set('status', state.status);
    return `/api/jobs?${q}`;
  };

  // Reloads the rows shown so far in one request (up to the API's largest page); rows beyond that
  // keep their last state.
  const refresh = async () => {
    const limit = Math.min(MAX_REFRESHED, Math.max(PAGE_SIZE, state.jobs.length));
    const status = state.status;
    try {
      const page = await api(query({ limit }));
      if (status !== state.status) return;
      const tail = state.jobs.length > limit ? state.jobs.slice(limit) : [];
      state.jobs = [...page.jobs, ...tail];
      if (!tail.length) state.nextBefore = page.next_before;
      problem.hidden = true;
      updated.textContent = `updated ${formatTime(new Date().toISOString()).slice(11)}`;
      render();
    } catch (e) {
      problem.hidden = false;
      problem.textContent = `Cannot load the jobs: ${e.message}`;
    }
  };

  const loadMore = async () => {
    if (!state.nextBefore) return;
    more.disabled = true;
    try {
      const page = await api(query({ limit: PAGE_SIZE, before: state.nextBefore }));
      const known = new Set(state.jobs.map((j) => j.id));
      state.jobs.push(...page.jobs.filter((j) => !known.has(j.id)));
      state.nextBefore = page.next_before;
      render();
    } catch (e) {
      problem.hidden = false;
      problem.textContent = `Cannot load more jobs: ${e.message}`;
    } finally {
      more.disabled = false;
    }
  };

  const setFilter = (status) => {
    state.status = status;
    state.jobs = [];
    state.nextBefore = null;
    state.seen = null;
    const url = new URL(window.location.href);
    if (status) url.searchParams.set('status', status);
    else url.searchParams.delete('status');
    window.history.replaceState(null, '', url);
    for (const b of filters.children) b.classList.toggle('active', b.dataset.filter === status);
    render();
    refresh();
  };
  for (const status of ['', ...STATUSES]) {
    filters.append(el('button', { type: 'button', class: status === state.status ? 'active' : '',
      dataset: { filter: status }, onclick: () => setFilter(status) }, status ? badge(status) : 'All'));
  }

  const table = el('table', { class: 'jobs' },
    el('thead', {}, el('tr', {}, ['Status', 'Progress', 'Resource', 'File', 'Created', 'Duration', 'Job', 'Error']
      .map((h) => el('th', { class: h === 'Duration' ? 'num' : '' }, h)))),
    tbody);
  root.replaceChildren(
    el('section', { class: 'toolbar' }, submitForm(() => refresh())),
    el('section', { class: 'list-head' }, el('h1', {}, 'Jobs'), filters, updated),
    problem, table, empty, el('div', { class: 'list-foot' }, more));
  document.title = 'Jobs · video-encoder';
  every(REFRESH_MS, refresh);
}
