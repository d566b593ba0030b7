// Publish: the diff of draft ↔ published ↔ live, then a run streamed from the backend
// with a cancel button and one clear end; versions with rollback.
import { $, Channel, busy, differenceRows, fill, h, operationId, showError, statusBadge, typedConfirmation, when } from './core.js';
import { api } from './api.js';

const STAGES = ['validating', 'writingDraft', 'waitingForDraft', 'publishing', 'updatingDeployment', 'waitingForDeployment', 'verifying'];
const STAGE_LABELS = {
  validating: 'Checking locally', writingDraft: 'Writing the draft', waitingForDraft: 'Waiting for the draft',
  publishing: 'Publishing', updatingDeployment: 'Updating the deployment', waitingForDeployment: 'Waiting for the deployment',
  verifying: 'Verifying what the site loads',
};

let app;
let deploymentId = null;
let pendingInput = null;
let running = null;

export function init(shell) {
  app = shell;
  $('#publish-channel').addEventListener('change', (event) => show({ deploymentId: event.target.value }));
  $('#publish-go').addEventListener('click', (event) => busy(event.target, () => publish()));
  $('#publish-edit').addEventListener('click', () => app.show('editor', { mode: 'edit', deploymentId }));
  $('#publish-cancel').addEventListener('click', async () => {
    if (running) await api.cancelOperation(running);
    $('#publish-cancel').disabled = true;
  });
}

export async function show(params = {}) {
  if (params.create) {
    await runCreate(params.create);
    return;
  }
  if (running) return;
  deploymentId = params.deploymentId ?? $('#publish-channel').value ?? app.channels[0]?.deploymentId;
  pendingInput = params.input ?? null;
  if (!deploymentId) {
    $('#publish-review').hidden = true;
    showError({ message: 'There is no channel to publish yet; create one first.' });
    return;
  }
  $('#publish-channel').value = deploymentId;
  $('#publish-review').hidden = false;
  if (!params.keepRun) $('#publish-run').hidden = true;
  try {
    const [diffs, detail] = await Promise.all([
      params.diffs ? Promise.resolve(params.diffs) : api.publishPreview(deploymentId),
      api.channelDetail(deploymentId),
    ]);
    renderDiffs(diffs, detail);
    renderVersions(detail);
  } catch (error) {
    showError(error);
  }
}

// Deployment settings the edit changes (domains, supported content profile): not part of
// any configuration version, they are written with the publish, so they are shown here.
function deploymentChanges(detail) {
  if (!pendingInput) return [];
  const now = detail?.input ?? {};
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const rows = [];
  if (pendingInput.supportedContent && !same(pendingInput.supportedContent, now.supportedContent)) {
    rows.push({ path: 'deployment.supportedContent.id', left: pendingInput.supportedContent, right: now.supportedContent ?? null });
  }
  if (!same(!!pendingInput.allowAllDomains, !!now.allowAllDomains)) {
    rows.push({ path: 'deployment.allowAllDomains', left: !!pendingInput.allowAllDomains, right: !!now.allowAllDomains });
  }
  if (!same(pendingInput.domains ?? [], now.domains ?? [])) {
    rows.push({ path: 'deployment.allowedDomains', left: pendingInput.domains ?? [], right: now.domains ?? [] });
  }
  return rows;
}

function renderDiffs(diffs, detail) {
  $('#diff-published-version').textContent = diffs.publishedVersion ? `(v${diffs.publishedVersion})` : '(nothing published)';
  $('#diff-live-version').textContent = diffs.liveVersion ? `(live v${diffs.liveVersion})` : '';
  differenceRows($('#diff-draft tbody'), [...diffs.draftVsPublished, ...deploymentChanges(detail)], 'Draft', 'Published');
  differenceRows($('#diff-live tbody'), diffs.publishedVsLive, 'Published', 'Live');
}

function renderVersions(detail) {
  fill($('#versions-table tbody'), detail.versions.map((v) => h('tr', {},
    h('th', { scope: 'row' }, v.isDraft ? 'Draft' : `v${v.version}`, v.live ? h('span', { class: 'badge status-active' }, 'live') : ''),
    h('td', {}, v.status ? statusBadge(v.status) : '–'),
    h('td', {}, when(v.datePublished)),
    h('td', {}, v.isDraft || v.live ? '' : h('button', {
      type: 'button',
      onclick: (event) => busy(event.target, () => rollback(v.version)),
      'aria-label': `Roll back to version ${v.version}`,
    }, 'Roll back to this')))));
}

function startRun(title) {
  running = operationId();
  $('#publish-run').hidden = false;
  $('#publish-run-title').textContent = title;
  $('#publish-progress').value = 0;
  fill($('#publish-steps'), []);
  const end = $('#publish-end');
  end.textContent = '';
  end.className = 'end';
  delete end.dataset.end;
  $('#publish-cancel').disabled = false;
  $('#publish-cancel').hidden = false;
  const channel = new Channel();
  channel.onmessage = (progress) => {
    const index = STAGES.indexOf(progress.stage);
    $('#publish-progress').value = index + 1;
    const steps = $('#publish-steps');
    const last = steps.lastElementChild;
    const line = h('li', { dataset: { stage: progress.stage } },
      h('strong', {}, STAGE_LABELS[progress.stage] ?? progress.stage), ' · ', progress.message,
      progress.status ? h('span', { class: 'muted' }, ` (${progress.status})`) : '',
      h('span', { class: 'muted small' }, ` ${(progress.elapsedMs / 1000).toFixed(1)} s`));
    if (last && last.dataset.stage === progress.stage) last.replaceWith(line);
    else steps.append(line);
  };
  return { operation: running, onProgress: channel };
}

function finish(outcome, error) {
  running = null;
  $('#publish-cancel').hidden = true;
  const end = $('#publish-end');
  if (error) {
    end.dataset.end = 'failed';
    end.className = 'end error';
    end.textContent = `Failed: ${error.message}`;
    return;
  }
  end.dataset.end = outcome.end;
  const texts = {
    active: () => `Active: version ${outcome.version} is live.`,
    submitted: () => `Published version ${outcome.version}; the deployment is updating.`,
    error: () => `Error: ${outcome.reason}`,
    timedOut: () => `Timed out while ${STAGE_LABELS[outcome.stage] ?? outcome.stage}${outcome.lastStatus ? ` (last status ${outcome.lastStatus})` : ''}. It may still finish; check the channel list.`,
    cancelled: () => `Cancelled while ${STAGE_LABELS[outcome.stage] ?? outcome.stage}. Nothing after that step was done.`,
  };
  end.className = `end ${outcome.end === 'active' ? 'ok' : outcome.end === 'cancelled' ? 'muted' : 'error'}`;
  end.textContent = (texts[outcome.end] ?? (() => outcome.end))();
  $('#publish-progress').value = outcome.end === 'active' ? STAGES.length : $('#publish-progress').value;
}

async function runCreate(input) {
  const typed = await typedConfirmation(app.profile, input.name.trim(), 'creating it');
  if (typed === null) return;
  $('#publish-review').hidden = true;
  const { operation, onProgress } = startRun(`Creating ${input.name}`);
  try {
    const created = await api.createChannel(input, typed ?? null, operation, onProgress);
    finish(created.outcome);
    if (created.deploymentId) {
      await app.refreshChannels();
      await show({ deploymentId: created.deploymentId, keepRun: true });
    }
  } catch (error) {
    finish(null, error);
  }
}

async function publish() {
  const name = app.channels.find((c) => c.deploymentId === deploymentId)?.name ?? 'channel';
  const typed = await typedConfirmation(app.profile, name, 'publishing it');
  if (typed === null) return;
  const { operation, onProgress } = startRun(`Publishing ${name}`);
  try {
    const outcome = await api.publishChannel(deploymentId, pendingInput, typed ?? null, operation, onProgress);
    finish(outcome);
    pendingInput = null;
    await app.refreshChannels();
    await show({ deploymentId, keepRun: true });
  } catch (error) {
    finish(null, error);
  }
}

async function rollback(version) {
  const name = app.channels.find((c) => c.deploymentId === deploymentId)?.name ?? 'channel';
  const typed = await typedConfirmation(app.profile, name, `rolling it back to version ${version}`);
  if (typed === null) return;
  if (typed === undefined && !window.confirm(`Publish the content of version ${version} as a new version and move the site to it?`)) return;
  const { operation, onProgress } = startRun(`Rolling back to version ${version}`);
  try {
    finish(await api.rollbackChannel(deploymentId, version, typed ?? null, operation, onProgress));
    await show({ deploymentId, keepRun: true });
  } catch (error) {
    finish(null, error);
  }
}
