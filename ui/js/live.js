// Live & embed: which configuration version visitors are served compared with the
// published one and the draft, the snippet and CSP to copy, and a page check.
import { $, busy, differenceRows, fill, h, showError, when } from './core.js';
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
  void app;
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
