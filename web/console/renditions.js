// SPDX-License-Identifier: Apache-2.0
// Reads a DASH manifest in the browser (DOMParser) into the renditions it offers.
import { el, formatDuration } from './util.js';

// "PT1H2M3.5S" -> 3723.5 (the subset of ISO 8601 durations an MPD uses).
export function isoDurationSeconds(text) {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text || '');
  if (!m) return null;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v || 0));
  return d * 86400 + h * 3600 + min * 60 + s;
}

// An attribute of a Representation, or of its AdaptationSet when the Representation has none.
function inherited(rep, set, name) {
  return rep.getAttribute(name) ?? set.getAttribute(name) ?? '';
}

// { duration, renditions: [{ kind, id, width, height, bandwidth, codecs, frameRate, sampleRate, channels, lang }] }
export function parseMpd(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('manifest.mpd is not well-formed XML');
  const mpd = doc.documentElement;
  if (mpd.localName !== 'MPD') throw new Error(`manifest.mpd's root is <${mpd.localName}>, not <MPD>`);
  const renditions = [];
  for (const set of mpd.getElementsByTagNameNS('*', 'AdaptationSet')) {
    const mime = set.getAttribute('mimeType') || '';
    const kind = set.getAttribute('contentType') || mime.split('/')[0] || 'other';
    for (const rep of set.getElementsByTagNameNS('*', 'Representation')) {
      const channels = rep.getElementsByTagNameNS('*', 'AudioChannelConfiguration')[0];
      renditions.push({
        kind: kind === 'application' ? 'text' : kind,
        id: rep.getAttribute('id') || '',
        width: Number(inherited(rep, set, 'width')) || null,
        height: Number(inherited(rep, set, 'height')) || null,
        bandwidth: Number(rep.getAttribute('bandwidth')) || null,
        codecs: inherited(rep, set, 'codecs'),
        frameRate: inherited(rep, set, 'frameRate'),
        sampleRate: Number(inherited(rep, set, 'audioSamplingRate')) || null,
        channels: channels ? channels.getAttribute('value') : '',
        lang: set.getAttribute('lang') || '',
      });
    }
  }
  const order = { video: 0, audio: 1, text: 2 };
  renditions.sort((a, b) => (order[a.kind] ?? 3) - (order[b.kind] ?? 3) || (b.bandwidth || 0) - (a.bandwidth || 0));
  return { duration: isoDurationSeconds(mpd.getAttribute('mediaPresentationDuration')), renditions };
}

function frameRateText(rate) {
  if (!rate) return '';
  const [num, den] = rate.split('/').map(Number);
  const fps = den ? num / den : num;
  return `${Number.isInteger(fps) ? fps : fps.toFixed(2)} fps`;
}

function bandwidthText(bps) {
  if (!bps) return '';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mbit/s` : `${Math.round(bps / 1000)} kbit/s`;
}

// A table of the renditions in `manifestUrl`, or a message saying why there is none.
export async function renditionsTable(manifestUrl) {
  let text;
  try {
    const response = await fetch(manifestUrl, { credentials: 'same-origin', cache: 'no-store' });
    if (response.status === 401) return el('p', { class: 'error' }, 'not logged in');
    if (!response.ok) return el('p', { class: 'error' }, `GET ${manifestUrl}: HTTP ${response.status}`);
    text = await response.text();
  } catch (e) {
    return el('p', { class: 'error' }, `GET ${manifestUrl}: ${e.message}`);
  }
  let mpd;
  try {
    mpd = parseMpd(text);
  } catch (e) {
    return el('p', { class: 'error' }, e.message);
  }
  const rows = mpd.renditions.map((r) => el('tr', { dataset: { kind: r.kind, representation: r.id } },
    el('td', {}, r.kind),
    el('td', { class: 'mono' }, r.id),
    el('td', { class: 'num' }, r.width && r.height ? `${r.width}×${r.height}` : ''),
    el('td', { class: 'num' }, bandwidthText(r.bandwidth)),
    el('td', { class: 'mono' }, r.codecs),
    el('td', {}, r.kind === 'audio'
      ? [r.sampleRate ? `${r.sampleRate / 1000} kHz` : '', r.channels ? ` · ${r.channels} ch` : ''].join('')
      : frameRateText(r.frameRate)),
    el('td', {}, r.lang)));
  return el('div', {},
    el('table', { class: 'renditions' },
      el('thead', {}, el('tr', {}, ['Type', 'Representation', 'Size', 'Bandwidth', 'Codecs', 'Rate', 'Language']
        .map((h) => el('th', { class: h === 'Size' || h === 'Bandwidth' ? 'num' : '' }, h)))),
      el('tbody', {}, rows)),
    el('p', { class: 'muted' }, `${mpd.renditions.length} representation${mpd.renditions.length === 1 ? '' : 's'}`,
      mpd.duration !== null ? `, ${formatDuration(mpd.duration)}` : '', ' (from manifest.mpd)'));
}
