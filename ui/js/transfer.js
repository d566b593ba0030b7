// Export / import through the native dialogs. Import shows how queues and flows map onto
// the open org before anything is written.
import { $, Channel, busy, differenceRows, fill, h, operationId, showError, typedConfirmation, when } from './core.js';
import { api } from './api.js';

let app;
let plan = null;

export function init(shell) {
  app = shell;
  $('#export-go').addEventListener('click', (event) => busy(event.target, exportChannel));
  $('#diff-go').addEventListener('click', (event) => busy(event.target, compare));
  $('#import-choose').addEventListener('click', (event) => busy(event.target, choose));
  $('#import-go').addEventListener('click', (event) => busy(event.target, importPlanned));
}

export async function show(params = {}) {
  if (params.deploymentId) $('#export-channel').value = params.deploymentId;
}

function selectedChannel() {
  const id = $('#export-channel').value;
  return app.channels.find((c) => c.deploymentId === id);
}

async function exportChannel() {
  const channel = selectedChannel();
  if (!channel) {
    showError({ message: 'Choose a channel to export.' });
    return;
  }
  const result = await api.exportChannel(channel.deploymentId, channel.name);
  const line = $('#export-result');
  if (!result) {
    line.textContent = 'Export cancelled.';
    return;
  }
  line.className = 'ok';
  line.dataset.path = result.path;
  line.textContent = `Exported ${result.channel} to ${result.path} (${result.bytes} bytes).`;
}

async function compare() {
  const channel = selectedChannel();
  if (!channel) return;
  const found = await api.diffFile(channel.deploymentId);
  if (!found) return;
  const [path, differences] = found;
  $('#export-result').className = '';
  $('#export-result').textContent = differences.length ? `${differences.length} difference(s) between ${path} and what is live:` : `${path} matches what is live.`;
  const table = $('#file-diff');
  table.hidden = differences.length === 0;
  differenceRows($('tbody', table), differences, 'File', 'Live');
}

async function choose() {
  plan = await api.chooseImport();
  if (!plan) return;
  $('#import-plan').hidden = false;
  $('#import-result').textContent = '';
  $('#import-summary').textContent = `${plan.channel}, exported ${when(plan.exportedAt)} from ${plan.exportedFrom ?? 'an unknown org'}. It will be created in “${app.profile?.name}” with this mapping:`;
  fill($('#import-mapping tbody'), plan.mapping.map((m) => h('tr', {},
    h('td', {}, m.kind), h('td', {}, m.role), h('th', { scope: 'row' }, m.name),
    h('td', { class: 'id' }, m.fromId ?? '–'), h('td', { class: 'id' }, m.toId))));
  $('#import-domains').className = plan.allowAllDomains ? 'error' : '';
  $('#import-domains').textContent = plan.allowAllDomains
    ? 'Every website may load this channel (allow all domains).'
    : plan.domains.length
      ? `Websites allowed to load it: ${plan.domains.join(', ')}.`
      : 'No website is allowed to load it yet.';
  $('#import-carried').hidden = plan.carried.length === 0;
  fill($('#import-carried tbody'), plan.carried.map((setting) => h('tr', { class: setting.unknown ? 'unknown' : '' },
    h('th', { scope: 'row' }, h('code', {}, setting.path)), h('td', {}, h('code', {}, setting.value)),
    h('td', {}, setting.unknown ? 'Not known to this app: sent unchanged' : 'Known, not in the editor'))));
  fill($('#import-warnings'), plan.warnings.map((w) => h('li', {}, w)));
}

async function importPlanned() {
  if (!plan) return;
  const typed = await typedConfirmation(app.profile, plan.channel, 'importing it');
  if (typed === null) return;
  const onProgress = new Channel();
  const result = $('#import-result');
  onProgress.onmessage = (progress) => { result.textContent = `${progress.message}…`; };
  try {
    const report = await api.importChannel(plan.path, typed ?? null, operationId(), onProgress);
    result.className = report.outcome.end === 'active' ? 'ok' : 'error';
    result.textContent = report.outcome.end === 'active'
      ? `Imported: ${plan.channel} is Active (version ${report.outcome.version}).`
      : `Imported, but the deployment ended ${report.outcome.end}${report.outcome.reason ? `: ${report.outcome.reason}` : ''}.`;
    plan = null;
    $('#import-plan').hidden = true;
    await app.refreshChannels();
  } catch (error) {
    showError(error);
    result.textContent = '';
  }
}
