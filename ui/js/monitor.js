// Queue monitor: one tile per queue with its flags, the selected queue's wait-time graph
// (rendered by the backend with threshold lines) over a chosen range, and exports.
import { $, $$, busy, fill, h, seconds, showError, when } from './core.js';
import { api } from './api.js';

let app;
let selected = null;
let queues = [];
let refreshing = false;

export function init(shell) {
  app = shell;
  $('#monitor-range').addEventListener('change', () => show());
  for (const button of $$('[data-export]')) {
    button.addEventListener('click', () => busy(button, () => exportAs(button.dataset.export)));
  }
  $('#thresholds-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(event.submitter, saveThresholds);
  });
}

const optionalNumber = (id) => ($(id).value === '' ? null : Number($(id).value));

async function saveThresholds() {
  if (!selected) return;
  await api.setQueueThresholds(selected, { maxWaitSeconds: optionalNumber('#th-wait'), maxDepth: optionalNumber('#th-depth'), minAgents: optionalNumber('#th-agents') });
  $('#monitor-status').textContent = 'Thresholds saved; the monitor uses them from its next poll.';
  await show();
}

async function exportAs(format) {
  const queue = queues.find((q) => q.id === selected);
  if (!queue) return;
  const written = await api.exportMonitor(queue.id, queue.name, Number($('#monitor-range').value), format);
  if (written) $('#monitor-status').textContent = `Saved ${written.path} (${(written.bytes / 1024).toFixed(1)} KiB).`;
}

function tile(queue) {
  const sample = queue.latest;
  const flags = queue.flags;
  const alerts = [];
  if (flags?.overCapacity) alerts.push(h('span', { class: 'badge status-error' }, 'over capacity'));
  if (flags?.waitExceeded) alerts.push(h('span', { class: 'badge status-error' }, 'wait exceeded'));
  if (flags) alerts.push(h('span', { class: `badge availability-${flags.availability}` }, `${flags.availability} availability`));
  return h('div', { role: 'listitem' }, h('button', {
    type: 'button',
    class: `tile${queue.id === selected ? ' selected' : ''}${flags && (flags.overCapacity || flags.waitExceeded) ? ' alert' : ''}`,
    'aria-pressed': queue.id === selected ? 'true' : 'false',
    dataset: { queue: queue.id },
    onclick: () => { selected = queue.id; show(); },
  },
  h('strong', {}, queue.name),
  sample
    ? h('dl', { class: 'tile-numbers' },
      h('dt', {}, 'Waiting'), h('dd', {}, String(sample.waiting)),
      h('dt', {}, 'Agents'), h('dd', {}, String(sample.agentsOnQueue)),
      h('dt', {}, 'Longest'), h('dd', {}, seconds(sample.longestWaitSeconds)),
      h('dt', {}, 'Est. wait'), h('dd', {}, seconds(sample.smoothedWaitSeconds ?? sample.estimatedWaitSeconds)))
    : h('p', { class: 'muted small' }, 'waiting for the first poll'),
  h('div', { class: 'tile-flags' }, alerts),
  flags?.reasons?.length ? h('p', { class: 'small warn-text' }, flags.reasons.join('; ')) : null));
}

export async function show() {
  if (refreshing) return;
  refreshing = true;
  try {
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const view = await api.monitorView(selected, Number($('#monitor-range').value), dark);
    queues = view.queues;
    const changedQueue = selected !== view.selected;
    selected = view.selected;
    fill($('#queue-tiles'), view.queues.map(tile));
    const chart = $('#monitor-chart');
    if (view.chart) {
      chart.src = view.chart;
      chart.hidden = false;
      const queue = view.queues.find((q) => q.id === selected);
      chart.alt = `Wait time of ${queue?.name ?? 'the queue'} over the selected range, with threshold lines`;
    } else {
      chart.hidden = true;
      chart.removeAttribute('src');
    }
    $('#monitor-chart-message').textContent = view.chartMessage ?? `${view.samplesInRange} samples in range.`;
    const queue = view.queues.find((q) => q.id === selected);
    if (queue && (changedQueue || !$('#thresholds-form').contains(document.activeElement))) {
      $('#th-wait').value = queue.thresholds.maxWaitSeconds ?? '';
      $('#th-depth').value = queue.thresholds.maxDepth ?? '';
      $('#th-agents').value = queue.thresholds.minAgents ?? '';
    }
    const status = view.lastError
      ? `Last poll failed: ${view.lastError}`
      : !view.lastCycleAt ? 'Starting the monitor…'
        : view.source === 'push' ? `Live: pushed by the org · updated ${when(view.lastCycleAt)} · ${view.cycles} updates`
          : `Polled ${when(view.lastCycleAt)} · ${view.cycles} polls · next in ${view.intervalSeconds.toFixed(0)} s`;
    const statusLine = $('#monitor-status');
    if (!statusLine.textContent.startsWith('Saved') && !statusLine.textContent.startsWith('Thresholds')) statusLine.textContent = status;
  } catch (error) {
    showError(error);
  } finally {
    refreshing = false;
  }
  void app;
}

export function onEvent(event) {
  if (event.kind === 'monitorCycle' && app.current === 'monitor') show();
}
