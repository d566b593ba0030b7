// Test drive: be the website visitor. The transcript streams as Messenger would show it
// (guest, bot and agent bubbles, events in between), with the conversation's place in the
// queue drawn as it changes and the timings at the end.
import { $, Channel, fill, h, operationId, seconds, showError, typedConfirmation } from './core.js';
import { api } from './api.js';

let app;
let running = null;
let positions = [];
/** Files chosen to send, as the app holds them: `{id, name, size}`. */
let files = [];

export function init(shell) {
  app = shell;
  $('#drive-start').addEventListener('click', () => start());
  $('#drive-stop').addEventListener('click', () => {
    if (running) api.cancelOperation(running);
  });
  $('#drive-real-ok').addEventListener('change', () => updateStart());
  $('#drive-attach').addEventListener('click', () => attach());
  $('#leftovers-find').addEventListener('click', () => leftovers(false));
  $('#leftovers-end').addEventListener('click', () => leftovers(true));
}

function size(bytes) {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`;
}

function drawFiles() {
  fill($('#drive-files'), files.map((file) => h('li', {},
    h('span', { class: 'file-badge' }, 'File'), file.name, h('span', { class: 'muted small' }, ` · ${size(file.size)} `),
    h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${file.name}`, onclick: () => {
      files = files.filter((kept) => kept.id !== file.id);
      drawFiles();
    } }, 'remove'))));
}

async function attach() {
  try {
    const file = await api.chooseDriveFile();
    if (!file) return;
    files.push(file);
    drawFiles();
  } catch (error) {
    showError(error);
  }
}

/** Synthetic conversations still open; `end` disconnects their customers. */
async function leftovers(end) {
  const result = $('#leftovers-result');
  result.textContent = end ? 'Ending…' : 'Looking…';
  result.className = '';
  try {
    const found = await api.guestLeftovers(end);
    fill($('#leftovers-list'), found.synthetic.map((row) => h('li', { dataset: { conversation: row.conversationId } },
      h('code', {}, row.conversationId),
      ` · ${row.queueName ?? 'no queue'} · started ${row.started ?? '?'}`,
      row.problem ? h('span', { class: 'warn-text' }, ` · left open: ${row.problem}`) : row.ended ? h('span', { class: 'ok' }, ' · ended') : null)));
    const count = found.synthetic.length;
    const looked = `among ${found.searched} open web messaging conversation(s)`;
    result.textContent = end
      ? `${found.synthetic.filter((row) => row.ended).length} of ${count} ended ${looked}.`
      : `${count} synthetic conversation(s) open ${looked}.`;
    result.className = count && !end ? 'warn-text' : 'ok';
    $('#leftovers-end').disabled = end || count === 0;
  } catch (error) {
    showError(error);
    result.textContent = '';
  }
}

function updateStart() {
  const real = app.profile && !app.profile.isSandbox;
  $('#drive-real-warning').hidden = !real;
  $('#drive-start').disabled = Boolean(running) || (real && !$('#drive-real-ok').checked);
}

export async function show(params = {}) {
  if (params.deploymentId) $('#drive-channel').value = params.deploymentId;
  updateStart();
}

/** One item of a message's rich content, as Messenger draws it. */
function richItem(item) {
  const chips = (choices, kind = 'chip') => h('div', { class: 'chips' }, ...choices.map((choice) => h('span', { class: kind }, choice)));
  switch (item.kind) {
    case 'quickReplies':
      return chips(item.choices);
    case 'card':
      return h('div', { class: 'rich-card' },
        h('strong', {}, item.title),
        item.description ? h('p', {}, item.description) : null,
        item.buttons.length ? chips(item.buttons, 'chip button') : null);
    case 'attachment':
      return h('div', { class: 'rich-file' }, h('span', { class: 'file-badge' }, 'File'), item.filename, h('span', { class: 'muted small' }, ` · ${item.detail}`));
    case 'picker':
      return h('div', { class: 'rich-card' }, h('strong', {}, item.title), chips(item.choices));
    default:
      return h('div', { class: 'muted small' }, item.text ?? '');
  }
}

function bubble(line) {
  const at = `${(line.atMs / 1000).toFixed(1)} s`;
  if (line.voice === 'event') return h('li', { class: 'event' }, `${line.text} · ${at}`);
  const who = { guest: 'You', bot: 'Bot', agent: 'Agent' }[line.voice];
  if (!line.rich?.length) {
    return h('li', { class: `bubble ${line.voice}` }, h('span', { class: 'who' }, `${who} · ${at}`), line.text);
  }
  return h('li', { class: `bubble ${line.voice} rich` },
    h('span', { class: 'who' }, `${who} · ${at}`),
    line.said ? h('div', {}, line.said) : null,
    ...line.rich.map(richItem));
}

const SVG = 'http://www.w3.org/2000/svg';

function svgElement(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The place in line over time: a step line from the first position seen to now, each
 * change marked with its number (1 is next in line). */
function drawPositions() {
  const box = $('#drive-queue');
  if (!positions.length) {
    fill(box, []);
    return;
  }
  const last = positions[positions.length - 1];
  const most = Math.max(...positions.map((p) => p.position), 1);
  const start = positions[0].atMs;
  const end = Math.max(last.atMs, start + 1000);
  const x = (atMs) => 24 + ((atMs - start) / (end - start)) * 268;
  const y = (position) => 12 + ((position - 1) / Math.max(most - 1, 1)) * 46;
  const points = [];
  positions.forEach((p, index) => {
    if (index > 0) points.push(`${x(p.atMs).toFixed(1)},${y(positions[index - 1].position).toFixed(1)}`);
    points.push(`${x(p.atMs).toFixed(1)},${y(p.position).toFixed(1)}`);
  });
  points.push(`292,${y(last.position).toFixed(1)}`);
  const svg = svgElement('svg', {
    viewBox: '0 0 300 70',
    class: 'position-chart',
    role: 'img',
    'aria-label': `Place in the queue over time: ${positions.map((p) => p.position).join(', ')}`,
  });
  svg.append(svgElement('text', { x: 0, y: y(1) + 3 }, '#1'));
  if (most > 1) svg.append(svgElement('text', { x: 0, y: y(most) + 3 }, `#${most}`));
  svg.append(svgElement('polyline', { points: points.join(' ') }));
  for (const p of positions) {
    svg.append(svgElement('circle', { cx: x(p.atMs).toFixed(1), cy: y(p.position).toFixed(1), r: 3 }));
  }
  fill(box, [
    h('h3', {}, 'Place in the queue'),
    h('p', {}, `Position ${last.position}`, last.estimate !== null ? ` · estimated wait ${seconds(last.estimate)}` : ''),
    svg,
  ]);
}

async function start() {
  const deploymentId = $('#drive-channel').value;
  if (!deploymentId) return;
  const name = $('#drive-channel').selectedOptions[0]?.textContent ?? 'channel';
  const typed = await typedConfirmation(app.profile, name, 'sending a synthetic visitor to it (real agents may answer)');
  if (typed === null) return;
  showError(null);
  positions = [];
  drawPositions();
  fill($('#drive-transcript'), []);
  fill($('#drive-timings'), []);
  $('#drive-result').textContent = 'Connecting…';
  const operation = operationId();
  running = operation;
  $('#drive-stop').disabled = false;
  updateStart();
  const onLine = new Channel();
  onLine.onmessage = (line) => {
    const transcript = $('#drive-transcript');
    const node = bubble(line);
    // Messages are shown in the order they were sent, as Messenger does, whatever order
    // their frames arrived in.
    let later = null;
    if (line.sentAt) {
      node.dataset.sentAt = line.sentAt;
      later = Array.from(transcript.querySelectorAll('li[data-sent-at]')).find((li) => li.dataset.sentAt > line.sentAt) ?? null;
    }
    transcript.insertBefore(node, later);
    node.scrollIntoView({ block: 'nearest' });
    const match = /^position (\d+) in the queue(?:, estimated wait (\d+) s)?/.exec(line.text);
    if (line.voice === 'event' && match) {
      positions.push({ atMs: line.atMs, position: Number(match[1]), estimate: match[2] ? Number(match[2]) : null });
      drawPositions();
    }
    $('#drive-result').textContent = 'In conversation…';
  };
  const setup = {
    deploymentId,
    origin: $('#drive-origin').value.trim() || null,
    says: $('#drive-says').value.split('\n').map((s) => s.trim()).filter(Boolean),
    expectRouted: $('#drive-expect-routed').checked,
    timeoutSeconds: Number($('#drive-timeout').value),
    attributes: $('#drive-attributes').value.split('\n').map((s) => s.trim()).filter(Boolean),
    files: files.map((file) => file.id),
    confirmation: typed ?? null,
  };
  try {
    const report = await api.testDrive(setup, operation, onLine);
    showReport(report);
  } catch (error) {
    showError(error);
    $('#drive-result').textContent = '';
  } finally {
    running = null;
    $('#drive-stop').disabled = true;
    updateStart();
  }
}

function showReport(report) {
  const t = report.timings;
  const ms = (value) => (value === null || value === undefined ? '–' : `${(value / 1000).toFixed(1)} s`);
  const card = (label, value) => h('div', { class: 'card' }, h('dt', {}, label), h('dd', {}, value));
  fill($('#drive-timings'), [
    card('Connected', ms(t.connectMs)),
    card('First reply', ms(t.firstReplyMs)),
    card('Routed', ms(t.routedMs)),
    card('Agent joined', ms(t.agentJoinedMs)),
    report.waitedSeconds !== null && report.waitedSeconds !== undefined ? card('Waited in queue', seconds(report.waitedSeconds)) : null,
  ]);
  const outcome = report.outcome;
  const queue = report.routed ? ` Routed to ${report.routed.queueName ?? report.routed.queueId}.` : '';
  const text = {
    passed: `Done: an agent joined.${queue}`,
    failed: `Stopped at step ${outcome.step} (${outcome.stepText}): ${outcome.reason}.${queue}`,
    error: `Could not have the conversation: ${outcome.message}`,
    cancelled: 'Stopped.',
  }[outcome.result];
  const result = $('#drive-result');
  result.textContent = text;
  result.className = outcome.result === 'passed' ? 'ok' : 'warn-text';
}
