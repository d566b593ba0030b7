// Profiles: one per org/region. The secret goes from this form to the OS keychain and is
// never sent back; "Test connection" shows what each screen needs and what is missing.
import { $, busy, fill, h, showError } from './core.js';
import { api } from './api.js';

let app;
let regions = [];

export function init(shell) {
  app = shell;
  $('#profile-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(event.submitter, save);
  });
  $('#profile-reset').addEventListener('click', () => edit(null));
}

export async function show() {
  try {
    render(await app.refreshProfiles());
  } catch (error) {
    showError(error);
  }
}

function render(view) {
  regions = view.regions;
  fill($('#p-region'), regions.map((r) => h('option', { value: r.name }, `${r.label} · ${r.name}`)));
  fill($('#profiles-table tbody'), view.profiles.map((p) => h('tr', { dataset: { profile: p.name } },
    h('th', { scope: 'row' },
      p.colour ? h('span', { class: 'swatch', style: `--profile-colour: ${p.colour}`, 'aria-hidden': 'true' }) : '',
      p.name,
      p.production ? h('span', { class: 'badge status-error' }, 'production') : '',
      p.active ? h('span', { class: 'badge status-active' }, view.readOnly ? 'open read-only' : 'open') : ''),
    h('td', {}, p.isSandbox ? 'Sandbox on this computer' : (p.regionLabel ? `${p.regionLabel} (${p.environment})` : p.environment)),
    h('td', { class: 'id' }, p.clientId),
    h('td', { class: 'row-actions' },
      p.active ? null : h('button', { type: 'button', onclick: (e) => busy(e.target, () => open(p.name)) }, 'Open'),
      p.isSandbox || (p.active && view.readOnly) ? null
        : h('button', { type: 'button', 'aria-label': `Open ${p.name} read-only`, onclick: (e) => busy(e.target, () => open(p.name, true)) }, 'Open read-only'),
      h('button', { type: 'button', onclick: (e) => busy(e.target, () => test(p.name)) }, 'Test connection'),
      p.isSandbox ? null : h('button', { type: 'button', onclick: () => edit(p) }, 'Edit'),
      p.isSandbox ? null : h('button', { type: 'button', class: 'danger', onclick: (e) => busy(e.target, () => remove(p.name)) }, 'Remove')))));
}

function edit(profile) {
  $('#profile-form-title').textContent = profile ? `Edit ${profile.name}` : 'Add a profile';
  $('#p-original').value = profile?.name ?? '';
  $('#p-name').value = profile?.name ?? '';
  $('#p-region').value = profile?.environment ?? regions[0]?.name ?? '';
  $('#p-client-id').value = profile?.clientId ?? '';
  $('#p-production').checked = profile?.production ?? false;
  $('#p-use-colour').checked = Boolean(profile?.colour);
  $('#p-colour').value = profile?.colour ?? '#c0392b';
  $('#p-secret').value = '';
  $('#p-secret').placeholder = profile ? 'Stored in the keychain; leave empty to keep it' : '';
  $('#profile-status').textContent = '';
  $('#p-name').focus();
}

async function save() {
  const form = {
    originalName: $('#p-original').value || null,
    name: $('#p-name').value,
    environment: $('#p-region').value,
    clientId: $('#p-client-id').value,
    clientSecret: $('#p-secret').value,
    production: $('#p-production').checked,
    colour: $('#p-use-colour').checked ? $('#p-colour').value : null,
  };
  const editingOpen = form.originalName && form.originalName === app.profile?.name;
  if (editingOpen && !(await app.confirmLeavingWork(`Saving “${form.originalName}” reopens it and`))) return;
  try {
    const view = await api.saveProfile(form);
    $('#p-secret').value = '';
    render(await app.refreshProfiles(view));
    if (editingOpen) await app.resumeWatches();
    $('#profile-status').className = 'ok';
    $('#profile-status').textContent = `Saved “${form.name.trim()}”. Its secret is in the OS keychain.`;
    edit(null);
  } finally {
    form.clientSecret = '';
  }
}

async function open(name, readOnly = false) {
  if (!(await app.confirmLeavingWork(`Opening “${name}”`))) return;
  const view = await api.activateProfile(name, readOnly);
  await app.refreshProfiles(view);
  render(view);
  await app.refreshChannels();
  await app.resumeWatches();
}

async function remove(name) {
  if (!window.confirm(`Remove the profile “${name}” and its keychain entry?`)) return;
  render(await app.refreshProfiles(await api.removeProfile(name)));
}

async function test(name) {
  const report = $('#access-report');
  $('#access-profile').textContent = `· ${name}`;
  fill(report, [h('p', { class: 'muted' }, 'Logging in and probing permissions…')]);
  let result;
  try {
    result = await api.testConnection(name);
  } catch (error) {
    fill(report, [h('p', { class: 'error-text' }, `Login failed: ${error.message}`)]);
    return;
  }
  const icon = { granted: '✓', missing: '✗', unknown: '?' };
  fill(report, [
    h('p', { class: 'ok' }, `Connected to ${result.organization ?? 'the org'} (answered in ${result.loginMs} ms).`),
    result.missing.length
      ? h('p', { class: 'warn-text' }, `Missing: ${result.missing.join(', ')}. Add them to the OAuth client's role.`)
      : h('p', { class: 'ok' }, 'Every screen has what it needs.'),
    ...result.screens.map((s) => h('details', { open: !s.ready },
      h('summary', {}, h('span', { class: `badge ${s.ready ? 'status-active' : 'status-error'}` }, s.ready ? 'ready' : 'missing'), ' ', s.screen),
      h('ul', { class: 'permissions' }, s.permissions.map((p) => h('li', { class: `access-${p.access}` },
        h('span', { 'aria-hidden': 'true' }, icon[p.access]), ' ', h('code', {}, p.permission), ' ', h('span', { class: 'sr-only' }, p.access)))))),
  ]);
}
