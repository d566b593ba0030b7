// Fallback: rules per channel, the current decision with the numbers behind it, and
// every switch. The backend notifies the OS when a watch switches a route.
import { $, busy, fill, h, seconds, showError, typedConfirmation, when } from './core.js';
import { api } from './api.js';

let app;
let deploymentId = null;

export function init(shell) {
  app = shell;
  $('#fallback-channel').addEventListener('change', (event) => show({ deploymentId: event.target.value }));
  $('#fallback-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy($('#fb-start'), start);
  });
  $('#fb-stop').addEventListener('click', (event) => busy(event.target, async () => {
    render(await api.stopFallback(deploymentId));
  }));
}

function numberOf(id) {
  return Number($(id).value);
}

async function start() {
  const setup = {
    rules: {
      minAgents: numberOf('#fb-min-agents'),
      maxWait: numberOf('#fb-max-wait'),
      triggerSamples: numberOf('#fb-trigger'),
      recoverDwell: numberOf('#fb-dwell'),
      agentMargin: numberOf('#fb-agent-margin'),
      waitMargin: numberOf('#fb-wait-margin'),
    },
    mode: $('#fb-dry-run').checked ? 'dryRun' : 'run',
    primaryQueueId: $('#fb-queue').value,
    fallbackFlowId: $('#fb-flow').value,
  };
  if (setup.mode === 'run') {
    const name = app.channels.find((c) => c.deploymentId === deploymentId)?.name ?? 'channel';
    const typed = await typedConfirmation(app.profile, name, 'letting the fallback switch its route');
    if (typed === null) return;
    setup.confirmation = typed ?? null;
  }
  render(await api.startFallback(deploymentId, setup));
}

export async function show(params = {}) {
  deploymentId = params.deploymentId ?? ($('#fallback-channel').value || app.channels[0]?.deploymentId);
  if (!deploymentId) {
    showError({ message: 'There is no channel yet; create one first.' });
    return;
  }
  $('#fallback-channel').value = deploymentId;
  try {
    render(await api.fallbackView(deploymentId));
  } catch (error) {
    showError(error);
  }
}

function options(select, items, selected, placeholder) {
  fill(select, [h('option', { value: '' }, placeholder), ...items.map((i) => h('option', { value: i.id }, i.name))]);
  if (selected) select.value = selected;
}

function renderDecision(event) {
  const list = $('#fb-decision');
  if (!event) {
    fill(list, [h('dt', {}, 'Status'), h('dd', {}, 'No evaluation yet. Start a watch to sample the queue.')]);
    return;
  }
  if (event.event === 'failed') {
    fill(list, [h('dt', {}, 'Last sample'), h('dd', { class: 'error-text' }, event.message)]);
    return;
  }
  const { sample, decision } = event;
  fill(list, [
    h('dt', {}, 'Sampled'), h('dd', {}, when(sample.at)),
    h('dt', {}, 'Agents on queue'), h('dd', {}, String(sample.agentsOnQueue)),
    h('dt', {}, 'Waiting'), h('dd', {}, String(sample.waiting)),
    h('dt', {}, 'Longest wait'), h('dd', {}, seconds(sample.longestWaitSeconds)),
    h('dt', {}, 'Decision'), h('dd', { class: decision.decision === 'stay' ? '' : 'warn-text' },
      decision.decision === 'stay' ? `Stay on ${decision.route}` : decision.decision === 'switchToFallback' ? 'Switch to fallback' : 'Switch back to primary'),
    h('dt', {}, 'Because'), h('dd', {}, decision.reason),
  ]);
}

function render(view) {
  const rules = view.rules;
  $('#fb-min-agents').value = rules.minAgents;
  $('#fb-max-wait').value = rules.maxWait;
  $('#fb-trigger').value = rules.triggerSamples;
  $('#fb-dwell').value = rules.recoverDwell;
  $('#fb-agent-margin').value = rules.agentMargin;
  $('#fb-wait-margin').value = rules.waitMargin;
  options($('#fb-queue'), view.queues, view.routing.primaryQueueId, 'Choose the queue…');
  const flows = view.flows.filter((f) => f.id !== view.routing.primaryFlowId);
  options($('#fb-flow'), flows, view.routing.fallbackFlowId, 'Choose the fallback flow…');
  const state = $('#fallback-state');
  const route = view.currentRoute ? `on ${view.currentRoute} route` : 'route unknown';
  state.textContent = view.running ? `Watching (${view.running === 'dryRun' ? 'dry run' : 'live'}) · ${route}` : `Not watching · ${route}`;
  state.className = `badge ${view.running ? 'status-active' : 'status-inactive'}`;
  $('#fb-stop').disabled = !view.running;
  renderDecision(view.lastEvent);
  const rows = [...view.switches].reverse().map((s) => h('tr', {},
    h('td', {}, when(s.at)),
    h('td', {}, s.dryRun ? `${s.toRoute} (dry run)` : s.toRoute),
    h('td', {}, s.reason)));
  fill($('#fb-history tbody'), rows);
  $('#fb-history').hidden = rows.length === 0;
  $('#fb-history-empty').hidden = rows.length > 0;
}

export function onEvent(event) {
  if (event.kind !== 'fallback' || event.deploymentId !== deploymentId || app.current !== 'fallback') return;
  if (event.event.event === 'switched') show({ deploymentId });
  else if (event.event.event === 'evaluated' || event.event.event === 'failed') renderDecision(event.event);
}
