// The channel editor: the same checks as the CLI on every keystroke, and a live preview
// of the Messenger launcher and window on a light and a dark page.
import { $, $$, fill, h, showError } from './core.js';
import { api } from './api.js';

let app;
let mode = 'new';
let editing = null;
let options = null;
let lastValidColor = '#1f5fa8';
// The input as loaded: settings the user does not touch are sent back as they came.
let loaded = {};
// Custom labels being edited: language → key → text.
let labels = {};
let checkTimer = null;
let checkSequence = 0;
const touched = new Set();

// Which control shows the errors of a field path, by prefix.
const FIELD_TARGETS = [
  ['deployment.name', 'name'], ['name', 'name'], ['description', 'description'],
  ['messenger.styles.primaryColor', 'color'], ['languages', 'languages'],
  ['defaultLanguage', 'default-language'], ['allowedDomains', 'domains'],
  ['queue', 'queue'], ['flow', 'flow'], ['messenger.launcherButton.visibility', 'visibility'],
  ['messenger.launcherButton.displayType', 'display'], ['position', 'position'],
  ['messenger.fileUpload', 'attachments'], ['messenger.homeScreen', 'logo'],
  ['messenger.apps.conversations.conversationDisconnect', 'disconnect'],
  ['messenger.apps.conversations.sessionDurationSeconds', 'session-duration'],
  ['messenger.apps.conversations.humanize.bot.name', 'bot-name'],
  ['messenger.apps.conversations.humanize.bot.avatarUrl', 'bot-avatar'],
  ['messenger.apps.conversations.notifications', 'notifications'],
  ['messenger.launcherButton.icon', 'launcher-icon'], ['position.sideSpace', 'side-space'],
  ['position.bottomSpace', 'bottom-space'], ['headlessMode', 'headless'],
  ['customI18nLabels', 'label-language'], ['deployment.supportedContent', 'supported-content'],
  ['messenger.apps.knowledge', 'knowledge-base'], ['supportCenter', 'support-kb'],
  ['authenticationSettings', 'auth-integration'], ['cobrowse', 'cobrowse-mask'],
  ['journeyEvents.pageviewConfig', 'pageview'], ['journeyEvents', 'journey-excluded'],
];

// The settings beyond the basics: control, where it sits in the input, and its kind.
// Each reads as the org has it until touched, so an untouched one never becomes an edit.
const SETTINGS = [
  ['launcher-icon', 'launcherIconUrl', 'text'], ['side-space', 'sideSpace', 'int'],
  ['bottom-space', 'bottomSpace', 'int'], ['headless', 'headless', 'bool'],
  ['notifications', 'notifications', 'bool'], ['supported-content', 'supportedContent', 'text'],
  ['knowledge', 'knowledge.enabled', 'bool'], ['knowledge-base', 'knowledge.knowledgeBase', 'text'],
  ['support-center', 'supportCenter.enabled', 'bool'], ['support-kb', 'supportCenter.knowledgeBase', 'text'],
  ['support-feedback', 'supportCenter.feedback', 'bool'],
  ['auth', 'authentication.enabled', 'bool'], ['auth-integration', 'authentication.integration', 'text'],
  ['auth-upgrade', 'authentication.allowSessionUpgrade', 'bool'],
  ['cobrowse', 'cobrowse.enabled', 'bool'], ['cobrowse-control', 'cobrowse.allowAgentControl', 'bool'],
  ['cobrowse-navigation', 'cobrowse.allowAgentNavigation', 'bool'],
  ['cobrowse-draw', 'cobrowse.allowDraw', 'bool'], ['cobrowse-mask', 'cobrowse.maskSelectors', 'lines'],
  ['journey', 'journeyEvents.enabled', 'bool'], ['pageview', 'journeyEvents.pageviewConfig', 'text'],
  ['journey-excluded', 'journeyEvents.excludedQueryParameters', 'lines'],
];

function getPath(object, path) {
  return path.split('.').reduce((here, key) => (here == null ? undefined : here[key]), object);
}

function setPath(object, path, value) {
  const keys = path.split('.');
  const last = keys.pop();
  let here = object;
  for (const key of keys) {
    if (here[key] == null || typeof here[key] !== 'object') here[key] = {};
    here = here[key];
  }
  here[last] = value;
}

function readSetting(control, kind) {
  const element = $(`#f-${control}`);
  if (kind === 'bool') return element.checked;
  const text = element.value.trim();
  if (kind === 'int') return text === '' ? null : Number(text);
  if (kind === 'lines') {
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    return lines.length ? lines : null;
  }
  return text || null;
}

function writeSetting(control, kind, value) {
  const element = $(`#f-${control}`);
  if (kind === 'bool') element.checked = !!value;
  else if (kind === 'lines') element.value = (value ?? []).join('\n');
  else element.value = value ?? '';
}

const DEFAULTS = {
  name: '', description: null, queue: '', flow: '', fallbackFlow: null, primaryColor: '#1f5fa8',
  languages: ['en-us'], defaultLanguage: 'en-us', domains: [], allowAllDomains: false,
  launcherVisibility: 'On', launcherDisplayType: 'IconAndText', position: 'Auto', homeScreen: true,
  logoUrl: null, attachments: false, maxFileSizeKb: null, conversations: {}, labels: {},
};

export function init(shell) {
  app = shell;
  const form = $('#editor-form');
  form.addEventListener('input', (event) => {
    touched.add(controlKey(event.target));
    if (event.target.dataset.label) editLabel(event.target);
    if (event.target.id === 'f-color-picker') $('#f-color').value = event.target.value;
    if (event.target.id === 'f-color' && /^#[0-9a-fA-F]{6}$/.test(event.target.value.trim())) {
      $('#f-color-picker').value = event.target.value.trim().toLowerCase();
    }
    if (event.target.id === 'f-languages') { syncDefaultLanguage(); syncLabelLanguages(); }
    scheduleCheck();
  });
  form.addEventListener('change', (event) => {
    touched.add(controlKey(event.target));
    if (event.target.id === 'f-label-language') showLabels();
    if (event.target.id === 'f-supported-content') showContentTypes();
    scheduleCheck();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  $('#editor-cancel').addEventListener('click', () => app.show('channels'));
}

function controlKey(element) {
  return (element.id || '').replace(/^f-/, '').replace('color-picker', 'color');
}

function selectedValues(select) {
  return [...select.selectedOptions].map((o) => o.value);
}

export function readForm() {
  const text = (id) => $(id).value.trim();
  const optional = (id) => text(id) || null;
  const attachments = $('#f-attachments').checked;
  const queue = $('#f-queue').selectedOptions[0];
  const flow = $('#f-flow').selectedOptions[0];
  return {
    name: $('#f-name').value,
    description: optional('#f-description'),
    queue: queue ? queue.value : '',
    flow: flow ? flow.value : '',
    fallbackFlow: $('#f-fallback-flow').value || null,
    primaryColor: text('#f-color'),
    languages: selectedValues($('#f-languages')),
    defaultLanguage: $('#f-default-language').value || null,
    domains: $('#f-domains').value.split('\n').map((d) => d.trim()).filter(Boolean),
    allowAllDomains: $('#f-all-domains').checked,
    launcherVisibility: $('#f-visibility').value,
    launcherDisplayType: $('#f-display').value,
    position: $('#f-position').value,
    homeScreen: $('#f-home').checked,
    logoUrl: optional('#f-logo'),
    attachments,
    maxFileSizeKb: attachments ? Number($('#f-max-size').value) || null : null,
    conversations: readConversations(),
    labels: JSON.parse(JSON.stringify(labels)),
    ...readSettings(),
  };
}

function readSettings() {
  const settings = JSON.parse(JSON.stringify({
    launcherIconUrl: loaded.launcherIconUrl ?? null, sideSpace: loaded.sideSpace ?? null,
    bottomSpace: loaded.bottomSpace ?? null, headless: loaded.headless ?? null,
    notifications: loaded.notifications ?? null, supportedContent: loaded.supportedContent ?? null,
    knowledge: loaded.knowledge ?? {}, supportCenter: loaded.supportCenter ?? {},
    authentication: loaded.authentication ?? {}, cobrowse: loaded.cobrowse ?? {},
    journeyEvents: loaded.journeyEvents ?? {},
  }));
  for (const [control, path, kind] of SETTINGS) {
    if (touched.has(control)) setPath(settings, path, readSetting(control, kind));
  }
  return settings;
}

function editLabel(control) {
  const language = $('#f-label-language').value;
  if (!language) return;
  const keyed = { ...(labels[language] ?? {}) };
  if (control.value === '') delete keyed[control.dataset.label];
  else keyed[control.dataset.label] = control.value;
  if (Object.keys(keyed).length) labels[language] = keyed;
  else delete labels[language];
}

function showLabels() {
  const keyed = labels[$('#f-label-language').value] ?? {};
  for (const control of $$('[data-label]', $('#editor-form'))) control.value = keyed[control.dataset.label] ?? '';
}

function syncLabelLanguages() {
  const select = $('#f-label-language');
  const keep = select.value;
  const chosen = selectedValues($('#f-languages'));
  const all = [...chosen, ...Object.keys(labels).filter((l) => !chosen.includes(l))];
  fill(select, all.map((l) => h('option', { value: l }, chosen.includes(l) ? l : `${l} (not a channel language)`)));
  if (all.includes(keep)) select.value = keep;
  else if ($('#f-default-language').value) select.value = $('#f-default-language').value;
  showLabels();
}

function showContentTypes() {
  const profile = (options.supportedContent ?? []).find((p) => p.id === $('#f-supported-content').value);
  $('#supported-content-types').textContent = profile
    ? `Visitors may send: ${profile.inbound.join(', ') || 'nothing'}`
    : '';
}

// A picker of named entities; an id the org's list does not hold stays choosable as is.
function namedPicker(select, items, current, none) {
  const entries = (items ?? []).map((i) => h('option', { value: i.id }, i.name));
  if (current && !(items ?? []).some((i) => i.id === current)) entries.push(h('option', { value: current }, `${current} (not found in this org)`));
  fill(select, [h('option', { value: '' }, none), ...entries]);
  select.value = current ?? '';
}

// Each switch reads as the org had it until it is touched: a setting the org never set
// stays unset, so saving writes only what the admin changed.
let loadedConversations = {};
function readConversations() {
  const conversations = { ...loadedConversations };
  const switches = [
    ['agent-typing', 'agentTypingIndicator'], ['user-typing', 'userTypingIndicator'],
    ['auto-start', 'autoStart'], ['markdown', 'markdown'], ['clear', 'clear'], ['humanize', 'humanize'],
  ];
  for (const [control, key] of switches) {
    if (touched.has(control)) conversations[key] = $(`#f-${control}`).checked;
  }
  if (touched.has('disconnect')) conversations.disconnect = $('#f-disconnect').value || null;
  if (touched.has('session-duration')) {
    const seconds = $('#f-session-duration').value.trim();
    conversations.sessionDurationSeconds = seconds === '' ? null : Number(seconds);
  }
  if (touched.has('bot-name')) conversations.botName = $('#f-bot-name').value.trim() || null;
  if (touched.has('bot-avatar')) conversations.botAvatarUrl = $('#f-bot-avatar').value.trim() || null;
  return conversations;
}

function writeConversations(conversations) {
  loadedConversations = { ...conversations };
  $('#f-agent-typing').checked = conversations.agentTypingIndicator ?? true;
  $('#f-user-typing').checked = conversations.userTypingIndicator ?? true;
  $('#f-auto-start').checked = !!conversations.autoStart;
  $('#f-markdown').checked = !!conversations.markdown;
  $('#f-clear').checked = !!conversations.clear;
  $('#f-humanize').checked = !!conversations.humanize;
  $('#f-disconnect').value = conversations.disconnect ?? '';
  $('#f-session-duration').value = conversations.sessionDurationSeconds ?? '';
  $('#f-bot-name').value = conversations.botName ?? '';
  $('#f-bot-avatar').value = conversations.botAvatarUrl ?? '';
}

function pick(select, wanted, items) {
  const match = items.find((i) => i.id === wanted || i.name === wanted);
  if (match) select.value = match.id;
}

function syncDefaultLanguage() {
  const chosen = selectedValues($('#f-languages'));
  const select = $('#f-default-language');
  const keep = select.value;
  fill(select, chosen.map((l) => h('option', { value: l }, l)));
  if (chosen.includes(keep)) select.value = keep;
}

function writeForm(input) {
  $('#f-name').value = input.name ?? '';
  $('#f-description').value = input.description ?? '';
  $('#f-color').value = input.primaryColor ?? '';
  if (/^#[0-9a-fA-F]{6}$/.test(input.primaryColor ?? '')) $('#f-color-picker').value = input.primaryColor.toLowerCase();
  for (const option of $('#f-languages').options) option.selected = (input.languages ?? []).includes(option.value);
  syncDefaultLanguage();
  if (input.defaultLanguage) $('#f-default-language').value = input.defaultLanguage;
  $('#f-domains').value = (input.domains ?? []).join('\n');
  $('#f-all-domains').checked = !!input.allowAllDomains;
  $('#f-visibility').value = input.launcherVisibility ?? 'On';
  $('#f-display').value = input.launcherDisplayType ?? 'IconAndText';
  $('#f-position').value = input.position ?? 'Auto';
  $('#f-home').checked = input.homeScreen ?? true;
  $('#f-logo').value = input.logoUrl ?? '';
  $('#f-attachments').checked = !!input.attachments;
  $('#f-max-size').value = input.maxFileSizeKb ?? 10240;
  writeConversations(input.conversations ?? {});
  loaded = JSON.parse(JSON.stringify(input));
  labels = JSON.parse(JSON.stringify(input.labels ?? {}));
  namedPicker($('#f-supported-content'), options.supportedContent, input.supportedContent, "The org's default profile");
  namedPicker($('#f-knowledge-base'), options.knowledgeBases, input.knowledge?.knowledgeBase, 'None');
  namedPicker($('#f-support-kb'), options.knowledgeBases, input.supportCenter?.knowledgeBase, 'None');
  namedPicker($('#f-auth-integration'), options.integrations, input.authentication?.integration, 'None');
  for (const [control, path, kind] of SETTINGS) {
    if (!['supported-content', 'knowledge-base', 'support-kb', 'auth-integration'].includes(control)) {
      writeSetting(control, kind, getPath(input, path));
    }
  }
  syncLabelLanguages();
  showContentTypes();
  pick($('#f-queue'), input.queue, options.queues);
  const inbound = options.flows.find((f) => f.name === 'Web Messaging Inbound');
  if (input.flow) pick($('#f-flow'), input.flow, options.flows);
  else if (inbound) $('#f-flow').value = inbound.id;
  $('#f-fallback-flow').value = '';
  if (input.fallbackFlow) pick($('#f-fallback-flow'), input.fallbackFlow, options.flows);
}

export async function show(params = {}) {
  mode = params.mode === 'edit' && params.deploymentId ? 'edit' : 'new';
  touched.clear();
  $('#editor-status').textContent = '';
  try {
    options = await api.editorOptions();
  } catch (error) {
    showError(error);
    return;
  }
  const named = (items) => items.map((i) => h('option', { value: i.id }, i.name));
  fill($('#f-queue'), named(options.queues));
  fill($('#f-flow'), named(options.flows));
  fill($('#f-fallback-flow'), [h('option', { value: '' }, 'None'), ...named(options.flows)]);
  fill($('#f-languages'), options.languages.map((l) => h('option', { value: l }, l)));
  let input = { ...DEFAULTS };
  editing = null;
  if (mode === 'edit') {
    try {
      editing = await api.channelDetail(params.deploymentId);
      input = { ...DEFAULTS, ...editing.input };
    } catch (error) {
      showError(error);
      return;
    }
  }
  $('#editor-title').textContent = mode === 'edit' ? `Edit ${editing.name}` : 'New channel';
  $('#editor-submit').textContent = mode === 'edit' ? 'Save draft and review' : 'Create and publish';
  // Routing of an existing channel is changed under Fallback, not by republishing.
  for (const id of ['#f-queue', '#f-flow', '#f-fallback-flow']) $(id).disabled = mode === 'edit';
  writeForm(input);
  await runCheck();
  $('#f-name').focus();
}

function scheduleCheck() {
  updatePreview(readForm());
  clearTimeout(checkTimer);
  checkTimer = setTimeout(runCheck, 120);
}

async function runCheck() {
  const input = readForm();
  const sequence = ++checkSequence;
  const report = await api.checkChannel(input);
  if (sequence !== checkSequence) return report;
  renderReport(report, input);
  return report;
}

function targetOf(field) {
  const found = FIELD_TARGETS.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`));
  return found ? found[1] : null;
}

function renderReport(report, input) {
  const messages = new Map();
  const unplaced = [];
  for (const error of report.errors) {
    const target = targetOf(error.field);
    if (!target) unplaced.push(`${error.field}: ${error.reason}`);
    else if (!messages.has(target)) messages.set(target, error.reason);
  }
  for (const paragraph of $$('.field-error', $('#editor-form'))) {
    const key = paragraph.id.replace(/^e-/, '');
    const message = touched.has(key) ? messages.get(key) : undefined;
    paragraph.textContent = message ?? '';
    const control = $(`#f-${key}`);
    if (control) {
      if (message) {
        control.setAttribute('aria-invalid', 'true');
        control.setAttribute('aria-errormessage', paragraph.id);
      } else {
        control.removeAttribute('aria-invalid');
      }
    }
  }
  fill($('#editor-warnings'), [
    ...report.warnings.map((w) => h('li', {}, w)),
    ...(report.lints || []).map((lint) => h('li', { class: 'lint' },
      h('code', {}, lint.field), ` ${lint.why}. `, h('span', { class: 'muted' }, `See ${lint.help}`))),
    ...unplaced.map((u) => h('li', { class: 'error-text' }, u)),
  ]);
  const contrast = $('#contrast');
  if (report.contrast) {
    const passes = report.contrast.passesAa;
    contrast.className = `small ${passes ? 'ok' : 'warn-text'}`;
    contrast.textContent = `Contrast of white text on ${report.contrast.primaryColor}: ${report.contrast.ratio.toFixed(2)}:1, ${passes ? 'passes' : 'fails'} WCAG AA (4.5:1)`;
  } else {
    contrast.className = 'small muted';
    contrast.textContent = '';
  }
  updatePreview(input);
}

const SVG = 'http://www.w3.org/2000/svg';
function chatIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  svg.append(path);
  return svg;
}

// The language the preview speaks: the one whose labels are being edited.
function previewLanguage(input) {
  return $('#f-label-language')?.value || input.defaultLanguage || (input.languages ?? [])[0] || 'en-us';
}

// Markdown as Messenger renders it when the switch is on: bold, italics and links only.
function markdownSample(markdown) {
  const text = 'Your order **#1042** ships *today*.';
  if (!markdown) return [text];
  return ['Your order ', h('strong', {}, '#1042'), ' ships ', h('em', {}, 'today'), '.'];
}

function messengerMock(input) {
  const side = input.position === 'Left' ? 'left' : 'right';
  const conversations = input.conversations ?? {};
  const keyed = (input.labels ?? {})[previewLanguage(input)] ?? {};
  const display = input.launcherDisplayType ?? 'IconAndText';
  // Spacing drawn to scale, capped so the mock stays on its page.
  const offset = { [side]: `${Math.min(Number(input.sideSpace ?? 12), 60)}px` };
  const bottom = Math.min(Number(input.bottomSpace ?? 12), 60);
  if (input.headless) {
    return [h('div', { class: 'mock-state', 'data-role': 'headless' },
      h('strong', {}, 'Headless mode'),
      h('p', {}, 'No launcher and no Messenger window: your page draws its own UI through the Messenger SDK.'))];
  }
  const icon = input.launcherIconUrl
    ? h('span', { class: 'icon custom-icon', title: input.launcherIconUrl, 'data-role': 'launcher-icon' })
    : chatIcon();
  const launcherText = keyed.MessengerLauncherButtonText || 'Chat with us';
  const launcher = h('div', {
    class: `mock-launcher ${side}${input.launcherVisibility === 'Off' ? ' off' : ''}${input.launcherVisibility === 'OnDemand' ? ' on-demand' : ''}`,
    'data-role': 'launcher',
  },
  display !== 'Text' ? icon : null,
  display !== 'Icon' ? h('span', { 'data-role': 'launcher-text' }, launcherText) : null);
  const bot = conversations.humanize ? (conversations.botName || 'Bot') : null;
  const botLine = (text) => h('div', { class: 'mock-line' },
    bot ? h('span', { class: 'mock-avatar', title: conversations.botAvatarUrl || bot }, bot.slice(0, 1).toUpperCase()) : null,
    h('p', { class: 'mock-bubble agent' }, bot ? h('span', { class: 'mock-from', 'data-role': 'bot-name' }, bot) : null, ...text));
  const body = input.homeScreen
    ? h('div', { class: 'mock-body' },
      input.logoUrl ? h('div', { class: 'mock-logo' }, 'LOGO') : null,
      h('p', { class: 'mock-greeting', 'data-role': 'home-title' }, keyed.MessengerHomeHeaderTitle || 'Hi there!'),
      h('p', { class: 'mock-sub', 'data-role': 'home-subtitle' }, keyed.MessengerHomeHeaderSubTitle || 'How can we help you today?'),
      h('div', { class: 'mock-start' }, 'Start a conversation'))
    : h('div', { class: 'mock-body' },
      botLine(['Hello! How can I help?']),
      h('p', { class: 'mock-bubble user' }, 'Where is my order?'),
      botLine(markdownSample(!!conversations.markdown)),
      h('div', { class: 'mock-input' }, 'Type a message'));
  const window = h('div', { class: `mock-window ${side}`, 'data-role': 'window' },
    h('div', { class: 'mock-header' }, input.name?.trim() || 'Your channel'),
    body);
  // Through the CSSOM: the window's content security policy allows no inline styles.
  for (const element of [launcher, window]) element.style.setProperty(side, offset[side]);
  launcher.style.setProperty('bottom', `${bottom}px`);
  window.style.setProperty('bottom', `${bottom + 50}px`);
  const parts = [window, launcher];
  if (input.launcherVisibility === 'OnDemand') {
    parts.push(h('p', { class: 'mock-note', 'data-role': 'on-demand' },
      'On demand: hidden until your page calls Launcher.show'));
  }
  return parts;
}

/** Redraws the preview; an invalid colour keeps the last valid one. */
export function updatePreview(input) {
  const pages = $('#preview-pages');
  if (/^#?[0-9a-fA-F]{6}$/.test(input.primaryColor ?? '') || /^#?[0-9a-fA-F]{3}$/.test(input.primaryColor ?? '')) {
    lastValidColor = input.primaryColor.startsWith('#') ? input.primaryColor : `#${input.primaryColor}`;
  }
  pages.style.setProperty('--primary', lastValidColor);
  pages.dataset.primary = lastValidColor.toLowerCase();
  for (const page of $$('.page', pages)) {
    const label = $('.page-label', page);
    page.replaceChildren(label, ...messengerMock(input));
  }
}

async function submit() {
  for (const target of FIELD_TARGETS.map(([, t]) => t)) touched.add(target);
  const report = await runCheck();
  if (report.errors.length) {
    const first = $('#editor-form [aria-invalid="true"]');
    first?.focus();
    $('#editor-status').textContent = `${report.errors.length} field${report.errors.length > 1 ? 's need' : ' needs'} attention.`;
    return;
  }
  const input = readForm();
  if (mode === 'new') {
    await app.show('publish', { create: input });
    return;
  }
  const button = $('#editor-submit');
  button.disabled = true;
  $('#editor-status').textContent = 'Saving the draft…';
  try {
    const diffs = await api.saveDraft(editing.deploymentId, input);
    await app.show('publish', { deploymentId: editing.deploymentId, diffs, input });
  } catch (error) {
    showError(error);
    $('#editor-status').textContent = '';
  } finally {
    button.disabled = false;
  }
}
