// SPDX-License-Identifier: Apache-2.0
// The console's entry point: / shows the job list, /jobs/<id> one job; the header shows readiness.
import { showJobList } from './job_list.js';
import { showJobPage } from './job_page.js';
import { every } from './util.js';

async function checkReadiness(badge) {
  try {
    const response = await fetch('/readyz', { cache: 'no-store' });
    const body = await response.json();
    const down = Object.entries(body.checks || {}).filter(([, v]) => v !== 'ok');
    badge.className = `readiness ${response.ok ? 'ready' : 'not-ready'}`;
    badge.textContent = response.ok ? 'ready' : `not ready: ${down.map(([k]) => k).join(', ')}`;
    badge.title = down.map(([k, v]) => `${k}: ${v}`).join('\n') || 'broker, database and buckets answer';
  } catch (e) {
    badge.className = 'readiness not-ready';
    badge.textContent = 'service unreachable';
    badge.title = e.message;
  }
}

function main() {
  if (document.body.dataset.login === 'required') document.getElementById('logout').hidden = false;
  every(5000, () => checkReadiness(document.getElementById('readiness')));
  const root = document.getElementById('main');
  const job = window.location.pathname.match(/^\/jobs\/([^/]+)$/);
  if (job) showJobPage(root, decodeURIComponent(job[1]));
  else showJobList(root);
}

main();
