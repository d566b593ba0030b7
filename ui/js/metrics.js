// Metrics & audit: engagement from the analytics API, uptime from recorded statuses and
// the change history from the audit API merged with this app's own log.
import { $, fill, h, seconds, showError, when } from './core.js';
import { api } from './api.js';

let app;

export function init(shell) {
  app = shell;
  $('#metrics-channel').addEventListener('change', () => show());
  $('#metrics-since').addEventListener('change', () => show());
}

export async function show() {
  const deploymentId = $('#metrics-channel').value || null;
  const since = $('#metrics-since').value;
  fill($('#metrics-cards'), [h('div', { class: 'muted', role: 'status' }, 'Loading…')]);
  $('#timeline').hidden = true;
  let view;
  try {
    view = await api.metricsView(deploymentId, since);
  } catch (error) {
    showError(error);
    fill($('#metrics-cards'), []);
    return;
  }
  const e = view.engagement;
  const card = (label, value) => h('div', { class: 'card' }, h('dt', {}, label), h('dd', {}, value));
  fill($('#metrics-cards'), [
    card('Offered', String(e.offered)),
    card('Answered', String(e.answered)),
    card('Abandoned', String(e.abandoned)),
    card('Average wait', seconds(e.averageWaitSeconds)),
    card('Average handle', seconds(e.averageHandleSeconds)),
    card('Service level', e.serviceLevel === null ? '–' : `${(e.serviceLevel * 100).toFixed(1)} %`),
    view.uptime ? card('Uptime (Active)', `${view.uptime.activePercent.toFixed(2)} %`) : null,
  ]);
  const uptime = $('#metrics-uptime');
  fill(uptime, view.uptime && view.uptime.gaps.length
    ? [h('h3', {}, 'Not Active'), h('ul', {}, view.uptime.gaps.map((g) => h('li', {}, `${when(g.start)} → ${when(g.end)}: ${g.status}`)))]
    : []);
  const rows = view.timeline.map((t) => h('tr', {},
    h('td', {}, when(t.at)),
    h('td', {}, h('span', { class: `badge source-${t.source}` }, t.source)),
    h('td', {}, t.action),
    h('td', {}, `${t.entityType} `, h('span', { class: 'muted' }, t.entityName ?? t.entityId)),
    h('td', {}, t.who ?? '–')));
  fill($('#timeline tbody'), rows);
  $('#timeline').hidden = rows.length === 0;
  $('#timeline-empty').hidden = rows.length > 0;
  void app;
}
