// Compare two profiles and promote channels from one to the other. The plan (every id
// remapped, the domains, each setting that changes) is shown before anything is written,
// and Promote carries out exactly that plan.
import { $, Channel, busy, differenceRows, fill, h, operationId, showError, typedConfirmation } from './core.js';
import { api } from './api.js';

let app;
let plan = null;
let profiles = [];

export function init(shell) {
  app = shell;
  $('#promote-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy($('#promote-compare'), compare);
  });
  $('#promote-go').addEventListener('click', (event) => busy(event.target, promote));
  $('#promote-from').addEventListener('change', suggestNames);
}

export async function show() {
  const view = await api.profilesView();
  profiles = view.profiles;
  const options = () => profiles.map((p) => h('option', { value: p.name },
    p.isSandbox ? `${p.name} (built in)` : `${p.name}${p.production ? ' · production' : ''}`));
  const keepFrom = $('#promote-from').value || app.profile?.name;
  const keepTo = $('#promote-to').value;
  fill($('#promote-from'), options());
  fill($('#promote-to'), options());
  if (profiles.some((p) => p.name === keepFrom)) $('#promote-from').value = keepFrom;
  const other = profiles.find((p) => p.name !== $('#promote-from').value);
  $('#promote-to').value = profiles.some((p) => p.name === keepTo) && keepTo !== $('#promote-from').value ? keepTo : other?.name ?? '';
  suggestNames();
}

/** The open profile's channels, when it is the source, as suggestions for the name. */
function suggestNames() {
  const names = $('#promote-from').value === app.profile?.name ? app.channels.map((c) => c.name) : [];
  fill($('#promote-names'), names.map((name) => h('option', { value: name })));
}

function targetProfile() {
  return profiles.find((p) => p.name === plan?.toProfile);
}

async function compare() {
  plan = null;
  $('#promote-plan').hidden = true;
  $('#promote-report').hidden = true;
  $('#promote-progress').textContent = 'Reading both orgs…';
  try {
    plan = await api.planPromotion({
      from: $('#promote-from').value,
      to: $('#promote-to').value,
      name: $('#promote-name').value,
      maps: $('#promote-maps').value,
      domainRules: $('#promote-domain-rules').value,
    });
  } finally {
    $('#promote-progress').textContent = '';
  }
  const creates = plan.channels.filter((c) => c.action.kind === 'create').length;
  const updates = plan.channels.length - creates;
  const summary = $('#promote-summary');
  summary.className = plan.blocked ? 'error' : '';
  summary.textContent = `From “${plan.fromProfile}” into “${plan.toProfile}”: ${plan.channels.length} channel(s), ${creates} to create, ${updates} to update in place.${plan.blocked ? ' Blocked: map what is missing in the target, then compare again.' : ''}`;
  fill($('#promote-channels'), plan.channels.map(channelPlan));
  $('#promote-target-only').textContent = plan.targetOnly.length
    ? `Only in “${plan.toProfile}”, left alone: ${plan.targetOnly.join(', ')}.`
    : '';
  $('#promote-go').disabled = plan.blocked;
  $('#promote-go').textContent = plan.targetProduction ? 'Promote into production…' : 'Promote';
  $('#promote-plan').hidden = false;
}

function channelPlan(channel) {
  const update = channel.action.kind === 'update';
  const differences = h('table', { class: 'grid diff' }, h('tbody'));
  differenceRows($('tbody', differences), channel.differences, update ? 'In the target now' : 'In the target', 'After promotion');
  return h('section', { class: 'promote-channel', dataset: { channel: channel.name } },
    h('h3', {}, channel.name, ' ', h('span', { class: `badge ${update ? 'status-active' : 'status-pending'}` }, update ? 'Update in place' : 'Create')),
    update ? h('p', { class: 'muted' }, `Deployment ${channel.action.deploymentId} keeps its id and its snippet on the website; a new configuration version is published.`) : null,
    channel.blocked.length ? h('ul', { class: 'warnings blocked' }, channel.blocked.map((reason) => h('li', {}, reason))) : null,
    h('table', { class: 'grid references' },
      h('thead', {}, h('tr', {}, ...['Kind', 'Where', 'Source', 'Source id', 'Target id', 'Found by'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, channel.references.map((r) => h('tr', { class: r.targetId ? '' : 'missing' },
        h('td', {}, r.kind), h('td', { class: 'path' }, r.place), h('th', { scope: 'row' }, r.sourceName ?? '–'),
        h('td', { class: 'id' }, r.sourceId), h('td', { class: `id${r.targetId ? '' : ' error'}` }, r.targetId ?? 'missing in target'),
        h('td', {}, r.matchedBy))))),
    h('p', {}, channel.domains.length
      ? `Allowed domains: ${channel.domains.map(([from, to]) => (from === to ? from : `${from} → ${to}`)).join(', ')}.`
      : 'No allowed domains.'),
    h('h4', {}, `${channel.differences.length} setting(s) change`),
    differences);
}

async function promote() {
  if (!plan || plan.blocked) return;
  const typed = await typedConfirmation(targetProfile(), plan.confirmationPhrase, 'promoting into it');
  if (typed === null) return;
  const progress = $('#promote-progress');
  const onProgress = new Channel();
  onProgress.onmessage = (step) => { progress.textContent = `${step.message}…`; };
  try {
    const report = await api.promote(typed ?? null, operationId(), onProgress);
    const promoted = report.channels.filter((c) => c.result === 'created' || c.result === 'updated').length;
    progress.className = promoted === report.channels.length ? 'ok' : 'error';
    progress.textContent = `Promoted ${promoted} of ${report.channels.length} channel(s) into “${plan.toProfile}”. Each channel is either promoted or left as it was.`;
    fill($('#promote-report tbody'), report.channels.map((c) => h('tr', { dataset: { result: c.result } },
      h('th', { scope: 'row' }, c.name), h('td', {}, c.result), h('td', { class: 'id' }, c.deploymentId ?? '–'),
      h('td', {}, c.version ?? '–'),
      h('td', {}, c.error ?? (c.outcome ? `Deployment ${c.outcome.end}` : '')))));
    $('#promote-report').hidden = false;
    plan = null;
    $('#promote-plan').hidden = true;
    await app.refreshChannels();
  } catch (error) {
    progress.textContent = '';
    showError(error);
  }
}
