// Live & embed: which configuration version visitors are served compared with the
// published one and the draft, the snippet and CSP to copy, and a page check.
import { $, busy, differenceRows, fill, h, showError, typedConfirmation, when } from './core.js';
import { api } from './api.js';

let app;
let current = null;

export function init(shell) {
  app = shell;
  $('#live-channel').addEventListener('change', () => show());
  $('#live-refresh').addEventListener('click', () => show());
  $('#live-copy-snippet').addEventListener('click', () => copy($('#live-snippet').textContent, $('#live-copy-snippet')));
  $('#live-copy-csp').addEventListener('click', () => copy($('#live-csp').textContent, $('#live-copy-csp')));
  $('#live-check-form').addEventListener('submit', (event) => {
    event.preventDefault();
    checkPage();
  });
  $('#canary-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const deploymentId = $('#live-channel').value;
    const file = $('#canary-file').value.trim();
    if (!deploymentId || !file) return;
    const name = $('#live-channel').selectedOptions[0]?.textContent ?? 'channel';
    busy($('#canary-start'), async () => {
      const typed = await typedConfirmation(app.profile, name, 'running synthetic visitors against it (real agents may answer)');
      if (typed === null) return;
      showCanary(await api.startCanary(deploymentId, file, Number($('#canary-every').value), typed ?? null, dark()));
    });
  });
  $('#canary-stop').addEventListener('click', () => {
    const deploymentId = $('#live-channel').value;
    busy($('#canary-stop'), async () => showCanary(await api.stopCanary(deploymentId, dark())));
  });
}

const dark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

/** A canary round ended in the background: redraw if it is this channel's. */
export function onEvent(event) {
  if (event.kind !== 'canaryRound' || app.current !== 'live') return;
  if (event.deploymentId !== $('#live-channel').value) return;
  api.canaryView(event.deploymentId, dark()).then(showCanary, showError);
}

function showCanary(view) {
  if (!view) return;
  $('#canary-start').hidden = view.running;
  $('#canary-stop').hidden = !view.running;
  if (view.file) $('#canary-file').value = view.file;
  if (view.everyMinutes) $('#canary-every').value = String(view.everyMinutes);
  const summary = view.summary;
  const rate = summary.passRate === null || summary.passRate === undefined ? null : `${(summary.passRate * 100).toFixed(1)} % of scenario runs passed over 7 days`;
  $('#canary-status').textContent = [view.running ? `Running every ${view.everyMinutes} min.` : 'Not running.', rate ?? 'No rounds yet.'].join(' ');
  const chart = $('#canary-chart');
  if (summary.chartSvg) {
    chart.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(summary.chartSvg)}`;
    chart.alt = `Canary rounds: conversation time p50 and p95, failed rounds marked. ${rate ?? ''}`;
    chart.hidden = false;
  } else {
    chart.hidden = true;
  }
  fill($('#canary-failures'), summary.recentFailures.map((f) => h('li', { class: 'fail' }, f)));
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    // The clipboard can be refused (no focus, no permission): select the text instead.
    const range = document.createRange();
    range.selectNodeContents(button.previousElementSibling);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => { button.textContent = button.id.endsWith('csp') ? 'Copy CSP' : 'Copy snippet'; }, 2000);
}

export async function show(params = {}) {
  if (params.deploymentId) $('#live-channel').value = params.deploymentId;
  const deploymentId = $('#live-channel').value;
  fill($('#live-check-result'), []);
  if (!deploymentId) {
    fill($('#live-versions'), [h('p', { class: 'muted' }, 'No channel yet.')]);
    return;
  }
  fill($('#live-versions'), [h('div', { class: 'muted', role: 'status' }, 'Loading…')]);
  let view;
  try {
    view = await api.liveView(deploymentId);
  } catch (error) {
    showError(error);
    fill($('#live-versions'), []);
    return;
  }
  current = view;
  const live = view.live;
  const card = (label, value, extra) => h('div', { class: 'card' }, h('dt', {}, label), h('dd', {}, value), extra ? h('dd', { class: 'note' }, extra) : null);
  fill($('#live-versions'), [
    card('Served to visitors', live.servedVersion ? `v${live.servedVersion}` : 'none', live.servedSince ? `published ${when(live.servedSince)}` : null),
    card('Deployment points at', live.deploymentVersion ? `v${live.deploymentVersion}` : '–'),
    card('Newest published', live.publishedVersion ? `v${live.publishedVersion}` : 'none'),
    card('Draft', live.draftChanged ? 'changed' : 'as published'),
  ]);
  fill($('#live-findings'), live.findings.map((f) => h('li', {}, f)));
  const served = $('#live-served-diff');
  served.hidden = live.servedVsPublished.length === 0;
  if (!served.hidden) differenceRows($('tbody', served), live.servedVsPublished, 'Served', 'Published');
  const draft = $('#live-draft-diff');
  draft.hidden = live.publishedVsDraft.length === 0;
  if (!draft.hidden) differenceRows($('tbody', draft), live.publishedVsDraft, 'Published', 'Draft');
  $('#live-snippet').textContent = view.embed.snippet;
  $('#live-csp').textContent = view.embed.cspLines.join('\n');
  const first = view.embed.allowAllDomains ? null : view.embed.allowedDomains[0];
  if (first && !$('#live-check-url').value) {
    $('#live-check-url').value = first.includes('://') ? first : `https://${first}/`;
  }
  try {
    showCanary(await api.canaryView(deploymentId, dark()));
  } catch (error) {
    showError(error);
  }
}

async function checkPage() {
  const deploymentId = $('#live-channel').value;
  const url = $('#live-check-url').value.trim();
  if (!deploymentId || !url || !current) return;
  fill($('#live-check-result'), [h('li', { class: 'muted', role: 'status' }, 'Checking…')]);
  const check = await busy($('#live-check-go'), () => api.checkPage(deploymentId, url));
  if (!check) {
    fill($('#live-check-result'), []);
    return;
  }
  fill($('#live-check-result'), check.checks.map((c) => h('li', { class: c.ok ? 'pass' : 'fail' }, h('strong', {}, c.what), `: ${c.detail}`)));
}
