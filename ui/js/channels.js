// Channels: every deployment with its status, live version and last publish.
import { $, busy, fill, h, showError, statusBadge, typedConfirmation, when } from './core.js';
import { api } from './api.js';

let app;

export function init(shell) {
  app = shell;
  $('#channels-new').addEventListener('click', () => app.show('editor', { mode: 'new' }));
  $('#channels-refresh').addEventListener('click', (event) => busy(event.target, () => show()));
}

function actions(channel) {
  const go = (screen, params) => () => app.show(screen, { deploymentId: channel.deploymentId, ...params });
  return h('td', { class: 'row-actions' },
    h('button', { type: 'button', onclick: go('editor', { mode: 'edit' }), 'aria-label': `Edit ${channel.name}` }, 'Edit'),
    h('button', { type: 'button', onclick: go('publish'), 'aria-label': `Publish ${channel.name}` }, 'Publish'),
    h('button', { type: 'button', onclick: go('fallback'), 'aria-label': `Fallback of ${channel.name}` }, 'Fallback'),
    h('button', { type: 'button', onclick: go('transfer'), 'aria-label': `Export ${channel.name}` }, 'Export'),
    h('button', { type: 'button', class: 'danger', onclick: (event) => remove(event.target, channel), 'aria-label': `Delete ${channel.name}` }, 'Delete'));
}

async function remove(button, channel) {
  const typed = await typedConfirmation(app.profile, channel.name, 'deleting it (a snapshot is saved first)');
  if (typed === null) return;
  if (typed === undefined && !window.confirm(`Delete “${channel.name}”? A snapshot is saved first; its configuration goes too when nothing else uses it.`)) return;
  await busy(button, async () => {
    const deleted = await api.deleteChannel(channel.deploymentId, typed ?? null);
    await show();
    $('#channels-empty').insertAdjacentElement('beforebegin', h('p', { class: 'ok', role: 'status' }, `Deleted. Snapshot saved to ${deleted.snapshot}`));
  });
}

export async function show() {
  let overview;
  try {
    overview = await app.refreshChannels();
  } catch (error) {
    showError(error);
    return;
  }
  const rows = overview.channels.map((c) => h('tr', { dataset: { deployment: c.deploymentId } },
    h('th', { scope: 'row' }, c.name, h('div', { class: 'small muted' }, c.configuration)),
    h('td', {}, statusBadge(c.status)),
    h('td', {}, c.configurationVersion ? `v${c.configurationVersion}` : '–'),
    h('td', {}, when(c.lastPublished)),
    h('td', {}, c.flow || '–'),
    actions(c)));
  fill($('#channels-table tbody'), rows);
  $('#channels-table').hidden = rows.length === 0;
  $('#channels-empty').hidden = rows.length > 0;
  const unused = $('#channels-unused');
  unused.hidden = overview.unusedConfigurations.length === 0;
  fill($('ul', unused), overview.unusedConfigurations.map((c) => h('li', {}, c.name, ' ', h('span', { class: 'muted small' }, c.id))));
}
