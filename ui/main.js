const { invoke } = window.__TAURI__.core;

const byId = (id) => document.getElementById(id);

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function badge(status) {
  const span = document.createElement('span');
  span.className = `badge badge-${(status || 'unknown').toLowerCase()}`;
  span.textContent = status || 'Unknown';
  const td = document.createElement('td');
  td.append(span);
  return td;
}

function render(overview) {
  byId('connection').textContent = `${overview.organization ?? 'Unknown org'} · ${overview.environment} · profile ${overview.profile}`;
  byId('sandbox-banner').hidden = !overview.isSandbox;

  const body = byId('channels').querySelector('tbody');
  body.replaceChildren(...overview.channels.map((channel) => {
    const row = document.createElement('tr');
    row.append(
      cell(channel.name),
      badge(channel.status),
      cell(`${channel.configuration} v${channel.configurationVersion}`),
      cell(channel.flow),
    );
    return row;
  }));
  byId('channels-empty').hidden = overview.channels.length > 0;

  byId('queues').replaceChildren(...overview.queues.map((queue) => {
    const item = document.createElement('li');
    item.textContent = queue.name;
    return item;
  }));

  const budget = overview.rateBudget;
  if (budget.allowed != null) {
    byId('rate-budget').textContent = `Rate budget: ${budget.used}/${budget.allowed} requests this minute`;
  }
}

async function load() {
  try {
    render(await invoke('load_overview'));
  } catch (error) {
    const box = byId('error');
    box.textContent = error.message ?? String(error);
    box.hidden = false;
  }
}

load();
