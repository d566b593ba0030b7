// Shared helpers: commands, DOM building (no innerHTML for data), errors, events.

const tauri = window.__TAURI__;

export const Channel = tauri.core.Channel;

/** Calls a command; failures arrive as {code, message}. */
export function call(command, args = {}) {
  return tauri.core.invoke(command, args);
}

/** Asks to close the window, exactly as its close button does (the backend may ask first). */
export function closeWindow() {
  return tauri.window.getCurrentWindow().close();
}

export function listen(event, handler) {
  return tauri.event.listen(event, (e) => handler(e.payload));
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Builds an element; strings become text nodes, so data never turns into markup. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function fill(container, children) {
  container.replaceChildren(...children.filter((child) => child !== null && child !== undefined && child !== false));
}

export function showError(error) {
  const box = $('#error');
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  const message = error.message || String(error);
  box.replaceChildren(h('strong', {}, 'Could not do that: '), message, error.code ? h('span', { class: 'code' }, ` (${error.code})`) : '');
  box.hidden = false;
}

/** Runs an action with its button disabled, reporting a failure in the error box. */
export async function busy(button, action) {
  if (button) button.disabled = true;
  showError(null);
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function statusBadge(status) {
  const text = status || 'Unknown';
  return h('span', { class: `badge status-${text.toLowerCase()}` }, text);
}

export function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function seconds(value) {
  if (value === null || value === undefined) return '–';
  const s = Math.round(value);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return s >= 120 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export function operationId() {
  return `op-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** Fills every channel picker with the current channel list. */
export function fillChannelSelects(channels, selected) {
  for (const select of $$('.channel-select')) {
    const keep = selected ?? select.value;
    const options = channels.map((c) => h('option', { value: c.deploymentId }, c.name));
    if (select.dataset.all) options.unshift(h('option', { value: '' }, select.dataset.all));
    fill(select, options);
    if (keep && [...select.options].some((o) => o.value === keep)) select.value = keep;
  }
}

export function differenceRows(tbody, differences, left, right) {
  if (!differences.length) {
    fill(tbody, [h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No differences.'))]);
    return;
  }
  fill(tbody, [
    h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col' }, left), h('th', { scope: 'col' }, right)),
    ...differences.map((d) => h('tr', {},
      h('td', { class: 'path' }, d.path),
      h('td', {}, d.left === undefined || d.left === null ? '–' : JSON.stringify(d.left)),
      h('td', {}, d.right === undefined || d.right === null ? '–' : JSON.stringify(d.right)))),
  ]);
}

/**
 * On a production profile, asks for the channel's name before a change: resolves to what
 * was typed, or null when cancelled. On any other profile resolves to undefined at once,
 * and the caller asks as it always did.
 */
export function typedConfirmation(profile, channelName, change) {
  if (!profile?.production) return Promise.resolve(undefined);
  const dialog = $('#confirm-dialog');
  const input = $('#confirm-typed');
  const ok = $('#confirm-ok');
  $('#confirm-text').textContent = `“${profile.name}” is a production org. Type the channel's name, ${channelName}, to confirm ${change}.`;
  input.value = '';
  ok.disabled = true;
  input.oninput = () => { ok.disabled = input.value.trim() !== channelName; };
  return new Promise((resolve) => {
    dialog.onclose = () => resolve(dialog.returnValue === 'confirm' ? input.value.trim() : null);
    dialog.returnValue = '';
    dialog.showModal();
    input.focus();
  });
}
