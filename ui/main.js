// The window's shell: navigation, the profile picker, the Sandbox banner, the rate-budget
// meter and background events. Each screen lives in its own module under js/.
import { $, $$, closeWindow, fill, h, listen, showError, fillChannelSelects, typedConfirmation } from './js/core.js';
import { api } from './js/api.js';
import * as channels from './js/channels.js';
import * as editor from './js/editor.js';
import * as publish from './js/publish.js';
import * as fallback from './js/fallback.js';
import * as monitor from './js/monitor.js';
import * as metrics from './js/metrics.js';
import * as live from './js/live.js';
import * as drive from './js/drive.js';
import * as transfer from './js/transfer.js';
import * as promote from './js/promote.js';
import * as profiles from './js/profiles.js';

const screens = { channels, editor, publish, fallback, monitor, live, drive, metrics, transfer, promote, profiles };

export const app = {
  channels: [],
  current: 'channels',
  profile: null,

  /** Starts the fallback watches the open profile had running when it was last left. */
  async resumeWatches() {
    const banner = $('#watch-resumed');
    banner.hidden = true;
    const events = await api.resumeWatches();
    if (!events.length) return;
    const mode = (event) => (event.mode === 'run' ? 'live fallback watch' : 'fallback dry run');
    const said = events.filter((event) => !event.needsConfirmation).map((event) => (event.error
      ? `The ${mode(event)} on ${event.channel} did not resume: ${event.error}.`
      : `Resumed the ${mode(event)} on ${event.channel}, as it was when the app last closed.`)).join(' ');
    // A live watch of a production org waits for the person: Resume asks for the
    // channel's name, Forget drops the record.
    const waiting = events.filter((event) => event.needsConfirmation).map((event) => h('p', { class: 'awaiting' },
      `The live fallback watch on ${event.channel} was running when the app last closed. It switches a production route, so it waits for you. `,
      h('button', {
        type: 'button',
        'aria-label': `Resume the watch on ${event.channel}`,
        onclick: async (click) => {
          const typed = await typedConfirmation(this.profile, event.channel, 'resuming its live fallback watch');
          if (typed === null) return;
          try {
            await api.resumeWatch(event.deploymentId, typed ?? null);
            click.target.closest('p').replaceWith(h('p', {}, `Resumed the live fallback watch on ${event.channel}.`));
          } catch (error) {
            showError(error);
          }
        },
      }, 'Resume…'),
      ' ',
      h('button', {
        type: 'button',
        'aria-label': `Forget the watch on ${event.channel}`,
        onclick: async (click) => {
          await api.stopFallback(event.deploymentId);
          click.target.closest('p').replaceWith(h('p', {}, `Forgot the watch on ${event.channel}.`));
        },
      }, 'Forget')));
    fill(banner, [...(said ? [h('p', {}, said)] : []), ...waiting]);
    banner.className = events.some((event) => event.error || event.needsConfirmation) ? 'banner warn' : 'banner';
    banner.hidden = false;
  },

  /**
   * Leaving the open profile (another one opened, or this one edited) stops its
   * operations and watches: say so first. Live watches resume when it opens again.
   */
  async confirmLeavingWork(action) {
    const work = await api.runningWork();
    const watches = work.watches.map((w) => `${w.channel}: ${w.mode === 'run' ? 'live fallback watch' : 'fallback dry run'}`);
    if (!work.operations.length && !watches.length) return true;
    return window.confirm(`${action} stops what runs on this profile now:\n\n${[...work.operations, ...watches].join('\n')}\n\nFallback watches resume when this profile is opened again; canaries and operations do not. Go on?`);
  },

  /** Shows a screen; `params` tell it what to open (a channel id, a mode). */
  async show(name, params = {}) {
    this.current = name;
    for (const section of $$('.screen')) section.hidden = section.id !== `screen-${name}`;
    for (const button of $$('#nav button')) {
      if (button.dataset.screen === name) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    document.title = `${$(`#screen-${name}`).dataset.title} · Web Messaging Desk`;
    showError(null);
    await screens[name].show?.(params);
  },

  async refreshChannels() {
    const overview = await api.loadChannels();
    this.channels = overview.channels;
    fillChannelSelects(this.channels);
    updateBudget(overview.rateBudget);
    $('#connection').textContent = `${overview.organization ?? 'Unknown org'} · ${overview.isSandbox ? 'Sandbox' : overview.environment}`;
    return overview;
  },

  async refreshProfiles(view) {
    const profilesView = view ?? await api.profilesView();
    this.profile = profilesView.profiles.find((p) => p.active);
    fill($('#profile-select'), profilesView.profiles.map((p) => h('option', { value: p.name, selected: p.active },
      p.isSandbox ? `${p.name} (built in)` : `${p.name}${p.production ? ' · production' : ''}${p.active && profilesView.readOnly ? ' · read-only' : ''}`)));
    $('#sandbox-banner').hidden = !this.profile?.isSandbox;
    const production = $('#production-banner');
    production.hidden = !this.profile?.production;
    production.style.setProperty('--profile-colour', this.profile?.colour ?? '#b3261e');
    $('#production-name').textContent = this.profile?.name ?? '';
    $('#read-only-badge').hidden = !profilesView.readOnly;
    document.body.dataset.production = String(Boolean(this.profile?.production));
    document.body.dataset.readOnly = String(Boolean(profilesView.readOnly));
    const notice = $('#notice');
    notice.hidden = !profilesView.notice;
    notice.textContent = profilesView.notice ?? '';
    return profilesView;
  },
};

export function updateBudget(budget) {
  if (!budget) return;
  const meter = $('#budget-meter');
  if (budget.allowed) {
    meter.max = budget.allowed;
    meter.low = Math.round(budget.allowed * 0.6);
    meter.high = Math.round(budget.allowed * 0.9);
  }
  meter.value = budget.used ?? 0;
  const parts = [];
  if (budget.allowed) parts.push(`${budget.used ?? 0} / ${budget.allowed} this minute`);
  else parts.push('no requests yet');
  if (budget.rateLimitedResponses) parts.push(`${budget.rateLimitedResponses} × 429, waited ${Math.round(budget.waitedSeconds)} s`);
  $('#budget-text').textContent = parts.join(' · ');
}

async function switchProfile(name) {
  showError(null);
  if (!(await app.confirmLeavingWork(`Opening “${name}”`))) {
    await app.refreshProfiles();
    return;
  }
  try {
    await app.refreshProfiles(await api.activateProfile(name));
    await app.refreshChannels();
    await app.resumeWatches();
    await app.show(app.current === 'editor' || app.current === 'publish' ? 'channels' : app.current);
  } catch (error) {
    showError(error);
    await app.refreshProfiles();
  }
}

async function start() {
  for (const button of $$('#nav button')) {
    button.addEventListener('click', () => app.show(button.dataset.screen));
  }
  // Arrow keys move along the navigation, as in any list of tabs.
  $('#nav').addEventListener('keydown', (event) => {
    if (!['ArrowDown', 'ArrowUp'].includes(event.key)) return;
    const buttons = $$('#nav button');
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    buttons[(index + (event.key === 'ArrowDown' ? 1 : buttons.length - 1)) % buttons.length].focus();
  });
  // Ctrl+Q (⌘Q) quits, through the same question as the close button.
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'q') {
      event.preventDefault();
      closeWindow().catch(showError);
    }
  });
  $('#profile-select').addEventListener('change', (event) => switchProfile(event.target.value));
  for (const screen of Object.values(screens)) screen.init?.(app);
  await listen('close-requested', askBeforeQuitting);
  await listen('workspace', (event) => {
    if (event.kind === 'monitorCycle') updateBudget(event.rateBudget);
    for (const screen of Object.values(screens)) screen.onEvent?.(event);
  });
  try {
    await app.refreshProfiles();
    await app.refreshChannels();
    // In the background: the first screen does not wait for watches to start.
    app.resumeWatches().catch(showError);
  } catch (error) {
    showError(error);
  }
  await app.show('channels');
  document.body.dataset.ready = 'true';
  reportStart();
}

// The start's figures go to the log: they are what a slow start looks like afterwards.
function reportStart() {
  // The frame after the data is in is the one that shows it.
  requestAnimationFrame(() => {
    const firstScreen = performance.timeOrigin + performance.now();
    const paint = performance.getEntriesByName('first-contentful-paint')[0]
      ?? performance.getEntriesByType('paint')[0];
    api.windowShown({
      navigationStart: performance.timeOrigin,
      firstPaint: performance.timeOrigin + (paint?.startTime ?? performance.now()),
      firstScreen,
    }).catch(() => {});
  });
}

// Closing with operations or live watches running asks first (the backend held the close).
function askBeforeQuitting(work) {
  const dialog = $('#quit-dialog');
  const mode = (watch) => (watch.mode === 'run' ? 'live fallback watch' : 'fallback dry run');
  fill($('#quit-work'), [
    ...work.operations.map((operation) => h('li', {}, `In progress: ${operation}`)),
    ...work.watches.map((watch) => h('li', {}, `${watch.channel}: ${mode(watch)}`)),
  ]);
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'quit') return;
    try {
      await api.quit();
    } catch (error) {
      showError(error);
    }
  };
  dialog.returnValue = '';
  dialog.showModal();
}

start();
