// The integrations console: incoming webhooks (create for a channel, the URL to copy, setup lines
// for each built-in translator, secret, event filters, the template editor with a live preview
// of a pasted sample payload through the template as typed, the delivery log), outgoing webhooks (create, edit, delivery log with
// attempts, retry one), slash commands (create, edit, regenerate the token), bot accounts and
// personal access tokens (create, a new token shown once, revoke).

import { h, append, replace, copy, toast, dialog } from './dom.js';
import { S, path } from './store.js';
import { api, get, post, put, del } from './api.js';
import { renderPost } from './post.js';
import { ui } from './main.js';

const TABS = [
  ['incoming', 'Incoming webhooks'], ['outgoing', 'Outgoing webhooks'], ['commands', 'Slash commands'],
  ['bots', 'Bot accounts'], ['tokens', 'Access tokens'],
];

// [name, path suffix, where it is set up, where the secret goes]
const TOOLS = [
  ['GitHub', 'github', 'Settings → Webhooks (content type JSON or form)', 'Secret field (X-Hub-Signature-256)'],
  ['GitLab', 'gitlab', 'Settings → Webhooks', 'Secret token (X-Gitlab-Token)'],
  ['Gitea / Forgejo', 'gitea', 'Settings → Webhooks → Gitea or Forgejo', 'Secret (X-Gitea-Signature)'],
  ['Bitbucket Cloud', 'bitbucket', 'Repository settings → Webhooks', 'Secret (X-Hub-Signature)'],
  ['Jira', 'jira', 'System → WebHooks', 'Secret (X-Hub-Signature); older servers: ?token=SECRET'],
  ['Jenkins', 'jenkins?token=SECRET', 'Job → Job Notifications (JSON, HTTP)', 'the token parameter of the URL'],
  ['Redmine', 'redmine?token=SECRET', 'redmine_webhook plugin or Redmine webhooks', 'the token parameter (native: X-Redmine-Signature-256)'],
  ['Trac', 'trac', 'trac.ini [webhook] url and secret', 'secret (X-WebHook-Signature)'],
  ['Alertmanager', 'alertmanager', 'webhook_configs: - url: …', 'http_config.authorization.credentials'],
  ['Grafana', 'grafana', 'Contact point → Webhook, HMAC signature', 'the HMAC secret (X-Grafana-Alerting-Signature)'],
];
const SOURCES = ['auto', 'template', 'github', 'gitlab', 'gitea', 'bitbucket', 'jira', 'jenkins', 'redmine', 'trac', 'alertmanager', 'grafana'];

const site = () => (S.config.SiteURL || location.origin).replace(/\/+$/, '');
const when = (ms) => (ms ? new Date(ms).toLocaleString() : '');
let uid = 0;
const fid = (n) => `f${++uid}-${n}`;

function field(label, input, hint) {
  input.id = input.id || fid(label.replace(/\W+/g, ''));
  return [h('label', { for: input.id }, label), h('div', null, input, hint ? h('div', { class: 'muted small' }, hint) : null)];
}

function err(e) { toast(e.message || String(e), 'error'); }

function confirmDelete(what, run) {
  const d = dialog(`Delete ${what}`, h('div', null, h('p', null, `Delete ${what}? This cannot be undone.`),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'danger', onclick: async () => { try { await run(); d.close(); } catch (e) { err(e); } } }, 'Delete'),
      h('button', { type: 'button', class: 'secondary', onclick: () => d.close() }, 'Cancel'))));
}

function channelSelect(selected, { any = false } = {}) {
  const sel = h('select', null, any ? h('option', { value: '' }, 'Any channel') : null,
    S.channels.filter((c) => c.type === 'O' || c.type === 'P').map((c) => h('option', { value: c.id, selected: c.id === selected }, c.display_name)));
  return sel;
}
const channelName = (id) => (S.channels.find((c) => c.id === id) || {}).display_name || id;

export async function integrations(main, tab, go) {
  const body = h('div', { class: 'console' });
  replace(main, ui.topbar(h('h1', null, 'Integrations')),
    h('nav', { class: 'tabs', 'aria-label': 'Integrations' }, TABS.map(([k, label]) =>
      h('a', { href: path(`/${S.team.name}/integrations/${k}`), 'data-nav': '', 'aria-current': k === tab ? 'page' : null }, label))),
    body);
  const render = { incoming, outgoing, commands, bots, tokens }[tab] || incoming;
  try { await render(body, go); } catch (e) { body.append(h('p', { role: 'alert' }, e.message)); }
}

// ---- Incoming webhooks -------------------------------------------------------------------

async function incoming(body) {
  const list = h('div');
  const form = h('form', { class: 'form-grid item', hidden: true });
  const channel = channelSelect((S.channels.find((c) => c.name === 'town-square') || {}).id);
  const title = h('input', { maxlength: 64 });
  const desc = h('input', { maxlength: 500 });
  const username = h('input', { maxlength: 64 });
  const icon = h('input', { type: 'url', maxlength: 1024 });
  const locked = h('input', { type: 'checkbox' });
  form.append(...field('Channel', channel), ...field('Title', title), ...field('Description', desc),
    ...field('Username', username, 'Posts show this name (when overrides are enabled)'),
    ...field('Profile picture URL', icon), ...field('Lock to this channel', locked),
    h('div', { class: 'full row' }, h('button', { type: 'submit' }, 'Create'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { form.hidden = true; } }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const hook = await post('/hooks/incoming', {
        channel_id: channel.value, display_name: title.value, description: desc.value,
        username: username.value, icon_url: icon.value, channel_locked: locked.checked,
      });
      form.hidden = true;
      form.reset();
      list.prepend(incomingItem(hook, list));
      toast('Webhook created');
    } catch (e) { err(e); }
  });
  replace(body, h('div', { class: 'row' }, h('h2', null, 'Incoming webhooks'),
    h('button', { type: 'button', onclick: () => { form.hidden = false; title.focus(); } }, 'Add incoming webhook')),
  h('p', { class: 'muted' }, 'A URL that posts what it is sent: Slack-format payloads, or the native webhooks of the tools below.'),
  form, list);
  const hooks = await get(`/hooks/incoming?team_id=${S.team.id}&per_page=200`);
  replace(list, hooks.length ? hooks.map((k) => incomingItem(k, list)) : h('p', { class: 'muted' }, 'No incoming webhooks yet.'));
}

function incomingItem(hook, list) {
  const url = `${site()}/hooks/${hook.id}`;
  const item = h('article', { class: 'item', 'aria-label': hook.display_name || 'Incoming webhook' });
  const secretOut = h('div');
  const setSecret = async (secret) => {
    try {
      hook = await put(`/hooks/incoming/${hook.id}`, { ...hook, secret });
      replace(secretOut, secret ? h('div', { class: 'stack' }, h('p', null, 'The new secret (shown once; give it to the tool):'),
        h('div', { class: 'row' }, h('code', { class: 'secret' }, secret), h('button', { type: 'button', class: 'small', onclick: () => copy(secret) }, 'Copy secret')))
        : h('p', { class: 'muted' }, 'The secret was removed: calls are no longer checked.'));
    } catch (e) { err(e); }
  };
  const include = h('input', { value: (hook.event_include || []).join(' ') });
  const exclude = h('input', { value: (hook.event_exclude || []).join(' ') });
  const words = (v) => v.split(/[\s,]+/).filter(Boolean);
  append(item, [
    h('h3', null, hook.display_name || 'Untitled webhook'),
    hook.description ? h('p', { class: 'muted' }, hook.description) : null,
    h('div', { class: 'kv' }, h('span', null, 'Channel'), h('span', null, channelName(hook.channel_id)),
      h('span', null, 'URL'), h('span', { class: 'row' }, h('code', { class: 'url' }, url),
        h('button', { type: 'button', class: 'small', onclick: () => copy(url) }, 'Copy URL')),
      h('span', null, 'Secret'), h('span', null, hook.has_secret ? 'set (calls must be signed)' : 'none')),
    h('details', null, h('summary', null, 'Set up a tool'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'deliveries' },
        h('thead', null, h('tr', null, h('th', null, 'Tool'), h('th', null, 'Where'), h('th', null, 'URL'), h('th', null, 'The secret goes to'))),
        h('tbody', null, TOOLS.map(([name, suffix, where, secret]) => h('tr', null, h('td', null, name), h('td', null, where),
          h('td', null, h('code', { class: 'url' }, `${url}/${suffix}`)), h('td', null, secret)))))),
      h('p', { class: 'muted small' }, 'Slack-format senders use the plain URL.')),
    h('details', null, h('summary', null, 'Secret and event filters'),
      h('div', { class: 'stack' },
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'small', onclick: () => setSecret(randomSecret()) }, 'Set a new secret'),
          hook.has_secret ? h('button', { type: 'button', class: 'small secondary', onclick: () => setSecret('') }, 'Remove the secret') : null),
        secretOut,
        h('div', { class: 'form-grid' }, ...field('Only these events', include, 'e.g. push pull_request.* (empty: all)'),
          ...field('Never these events', exclude)),
        h('div', null, h('button', {
          type: 'button', class: 'small',
          onclick: async () => {
            try { hook = await put(`/hooks/incoming/${hook.id}`, { ...hook, event_include: words(include.value), event_exclude: words(exclude.value) }); toast('Filters saved'); } catch (e) { err(e); }
          },
        }, 'Save filters')))),
    templateEditor(() => hook, (k) => { hook = k; }),
    deliveryLog(`/hooks/incoming/${hook.id}/deliveries`, incomingRows),
    h('div', { class: 'row' }, h('button', {
      type: 'button', class: 'small danger',
      onclick: () => confirmDelete('this webhook', async () => { await del(`/hooks/incoming/${hook.id}`); item.remove(); if (!list.children.length) list.append(h('p', { class: 'muted' }, 'No incoming webhooks yet.')); }),
    }, 'Delete'))]);
  return item;
}

function randomSecret() {
  const b = new Uint8Array(20);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function templateEditor(getHook, setHook) {
  const tpl = h('textarea', { class: 'code', spellcheck: 'false' });
  tpl.value = getHook().template || '';
  const sample = h('textarea', { class: 'code', spellcheck: 'false', placeholder: '{"status": "failed", "app": "shop"}' });
  const source = h('select', null, SOURCES.map((s) => h('option', { value: s }, s)));
  const header = h('input', { placeholder: 'X-GitHub-Event: push' });
  const state = h('span', { class: 'muted small', role: 'status' });
  const out = h('div', { class: 'preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'The preview shows what the sample would post, as you type.'));
  const dirty = () => tpl.value !== (getHook().template || '');
  const showState = () => { state.textContent = dirty() ? 'Unsaved changes: the preview uses the template as typed.' : ''; };
  let asked = 0;
  // The template as typed is previewed without saving it (…/preview/template) whenever it
  // decides; the saved hook's translators otherwise.
  const run = async () => {
    showState();
    if (!sample.value.trim()) return;
    const n = ++asked;
    try {
      const headers = {};
      const m = header.value.match(/^\s*([A-Za-z0-9-]+)\s*:\s*(.+)$/);
      if (m) headers[m[1]] = m[2].trim();
      const draft = source.value === 'template' || (source.value === 'auto' && tpl.value.trim());
      const r = draft
        ? await api('POST', `/hooks/incoming/${getHook().id}/preview/template`, { template: tpl.value, payload: sample.value }, { headers })
        : await api('POST', `/hooks/incoming/${getHook().id}/preview${source.value === 'auto' ? '' : `?source=${encodeURIComponent(source.value)}`}`,
          sample.value, { raw: true, headers: { 'Content-Type': 'application/json', ...headers } });
      if (n !== asked) return;
      replace(out, h('div', { class: 'kv' },
        h('span', null, 'Source'), h('span', null, r.source || ''), h('span', null, 'Event'), h('span', null, r.event || ''),
        h('span', null, 'Outcome'), h('span', { class: r.outcome === 'post' ? 'ok' : 'bad' }, r.outcome || ''),
        r.reason ? [h('span', null, 'Why'), h('span', null, r.reason)] : null,
        r.thread_key ? [h('span', null, 'Thread'), h('span', null, r.thread_key)] : null),
      r.post ? renderPost({ ...r.post, id: 'preview', preview: true, create_at: Date.now(), edit_at: 0, delete_at: 0, metadata: {} }, { inThread: true }) : null);
      out.querySelectorAll('.post-actions').forEach((e) => e.remove());
    } catch (e) {
      if (n === asked) replace(out, h('p', { role: 'alert', class: 'error' }, e.message));
    }
  };
  let timer = null;
  const soon = () => { showState(); clearTimeout(timer); timer = setTimeout(run, 350); };
  for (const el of [tpl, sample, header]) el.addEventListener('input', soon);
  source.addEventListener('change', run);
  const save = async () => {
    try {
      setHook(await put(`/hooks/incoming/${getHook().id}`, { ...getHook(), template: tpl.value }));
      showState();
      state.textContent = 'Saved.';
    } catch (e) { state.textContent = ''; err(e); }
  };
  return h('details', null, h('summary', null, 'Template and preview'),
    h('div', { class: 'form-grid' },
      ...field('Template', tpl, 'Jinja; the payload’s keys are variables. Empty: the tool’s translator or Slack format.'),
      ...field('Sample payload', sample), ...field('Source', source), ...field('Event header', header, 'Sent with the sample, e.g. X-GitHub-Event: push'),
      h('div', { class: 'full row' }, h('button', { type: 'button', onclick: save }, 'Save template'),
        h('button', { type: 'button', class: 'secondary', onclick: run }, 'Preview'), state),
      h('div', { class: 'full' }, out)));
}

function deliveryLog(url, rows) {
  const box = h('div');
  const load = async () => {
    try {
      const list = await get(`${url}?per_page=50`);
      replace(box, list.length ? rows(list, load) : h('p', { class: 'muted' }, 'No calls yet.'),
        h('button', { type: 'button', class: 'small secondary', onclick: load }, 'Refresh'));
    } catch (e) { replace(box, h('p', { role: 'alert' }, e.message)); }
  };
  const d = h('details', null, h('summary', null, 'Delivery log'), box);
  d.addEventListener('toggle', () => { if (d.open) load(); });
  return d;
}

function incomingRows(list) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'deliveries' },
    h('thead', null, h('tr', null, ['When', 'Status', 'Source', 'Event', 'Result', 'Size'].map((t) => h('th', null, t)))),
    h('tbody', null, list.map((d) => h('tr', null,
      h('td', null, when(d.create_at)),
      h('td', { class: d.status_code < 300 ? 'ok' : 'bad' }, String(d.status_code)),
      h('td', null, d.source || 'slack'), h('td', null, d.event || ''),
      h('td', null, d.post_id ? `posted ${d.post_id}${d.duplicate ? ' (retry, not posted again)' : ''}` : d.error_id || d.note || ''),
      h('td', null, `${d.body_size} B`))))));
}

// ---- Outgoing webhooks -------------------------------------------------------------------

async function outgoing(body) {
  const list = h('div');
  const add = h('button', { type: 'button', onclick: () => list.prepend(outgoingForm(null, list)) }, 'Add outgoing webhook');
  replace(body, h('div', { class: 'row' }, h('h2', null, 'Outgoing webhooks'), add),
    h('p', { class: 'muted' }, 'Posts that start with a trigger word are sent to your URLs; the answer is posted back.'), list);
  const hooks = await get(`/hooks/outgoing?team_id=${S.team.id}&per_page=200`);
  replace(list, hooks.length ? hooks.map((k) => outgoingItem(k, list)) : h('p', { class: 'muted' }, 'No outgoing webhooks yet.'));
}

function outgoingForm(hook, list, replaceEl) {
  const form = h('form', { class: 'form-grid item' });
  const title = h('input', { value: hook ? hook.display_name : '', maxlength: 64 });
  const channel = channelSelect(hook && hook.channel_id, { any: true });
  const words = h('input', { value: hook ? hook.trigger_words.join(' ') : '' });
  const whenSel = h('select', null, h('option', { value: '0' }, 'First word matches exactly'), h('option', { value: '1' }, 'First word starts with'));
  whenSel.value = String(hook ? hook.trigger_when : 0);
  const urls = h('textarea', { class: 'code', rows: 2 });
  urls.value = hook ? hook.callback_urls.join('\n') : '';
  const ctype = h('select', null, h('option', { value: 'application/x-www-form-urlencoded' }, 'form'), h('option', { value: 'application/json' }, 'JSON'));
  ctype.value = hook ? hook.content_type || 'application/x-www-form-urlencoded' : 'application/json';
  form.append(...field('Title', title), ...field('Channel', channel), ...field('Trigger words', words, 'Separated by spaces'),
    ...field('Trigger when', whenSel), ...field('Callback URLs', urls, 'One per line'), ...field('Content type', ctype),
    h('div', { class: 'full row' }, h('button', { type: 'submit' }, hook ? 'Save' : 'Create'),
      h('button', { type: 'button', class: 'secondary', onclick: () => (replaceEl ? form.replaceWith(replaceEl) : form.remove()) }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = {
      team_id: S.team.id, channel_id: channel.value, display_name: title.value,
      trigger_words: words.value.split(/\s+/).filter(Boolean), trigger_when: Number(whenSel.value),
      callback_urls: urls.value.split('\n').map((u) => u.trim()).filter(Boolean), content_type: ctype.value,
    };
    try {
      const saved = hook ? await put(`/hooks/outgoing/${hook.id}`, { ...hook, ...data }) : await post('/hooks/outgoing', data);
      form.replaceWith(outgoingItem(saved, list));
    } catch (e) { err(e); }
  });
  return form;
}

function outgoingItem(hook, list) {
  const token = h('code', { class: 'url' }, hook.token);
  const item = h('article', { class: 'item', 'aria-label': hook.display_name || 'Outgoing webhook' },
    h('h3', null, hook.display_name || 'Untitled webhook'),
    h('div', { class: 'kv' },
      h('span', null, 'Trigger words'), h('span', null, hook.trigger_words.join(', ') || '(any post in the channel)'),
      h('span', null, 'Channel'), h('span', null, hook.channel_id ? channelName(hook.channel_id) : 'any'),
      h('span', null, 'Callback URLs'), h('span', null, hook.callback_urls.map((u) => h('div', null, h('code', { class: 'url' }, u)))),
      h('span', null, 'Token'), h('span', { class: 'row' }, token,
        h('button', { type: 'button', class: 'small secondary', onclick: async () => { try { hook = await post(`/hooks/outgoing/${hook.id}/regen_token`); token.textContent = hook.token; toast('New token'); } catch (e) { err(e); } } }, 'Regenerate token'))),
    deliveryLog(`/hooks/outgoing/${hook.id}/deliveries`, (rows, reload) => outgoingRows(hook, rows, reload)),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'small secondary', onclick: () => item.replaceWith(outgoingForm(hook, list, item)) }, 'Edit'),
      h('button', { type: 'button', class: 'small danger', onclick: () => confirmDelete('this webhook', async () => { await del(`/hooks/outgoing/${hook.id}`); item.remove(); }) }, 'Delete')));
  return item;
}

function outgoingRows(hook, list, reload) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'deliveries' },
    h('thead', null, h('tr', null, ['When', 'State', 'Attempts', 'Last answer', '', ''].map((t) => h('th', null, t)))),
    h('tbody', null, list.map((d) => h('tr', null,
      h('td', null, when(d.create_at)),
      h('td', { class: d.state === 'delivered' ? 'ok' : d.state === 'failed' ? 'bad' : '' }, d.state),
      h('td', null, String(d.attempt_count)),
      h('td', null, d.last_error || (d.last_status ? `HTTP ${d.last_status}` : '')),
      h('td', null, h('details', null, h('summary', null, 'Attempts'), (d.attempts || []).map((a) =>
        h('div', { class: 'small' }, `${when(a.at)} · ${a.status || a.error} · ${a.latency_ms} ms`, a.response ? h('pre', null, a.response) : null)))),
      h('td', null, h('button', {
        type: 'button', class: 'small',
        onclick: async () => { try { await post(`/hooks/outgoing/${hook.id}/deliveries/${d.id}/retry`); toast('Sent again'); reload(); } catch (e) { err(e); } },
      }, 'Retry')))))));
}

// ---- Slash commands ----------------------------------------------------------------------

async function commands(body) {
  const list = h('div');
  replace(body, h('div', { class: 'row' }, h('h2', null, 'Slash commands'),
    h('button', { type: 'button', onclick: () => list.prepend(commandForm(null, list)) }, 'Add slash command')),
  h('p', { class: 'muted' }, '/trigger calls your URL; its answer is posted or shown to the caller only.'), list);
  const cmds = await get(`/commands?team_id=${S.team.id}&custom_only=true`);
  replace(list, cmds.length ? cmds.map((c) => commandItem(c, list)) : h('p', { class: 'muted' }, 'No slash commands yet.'));
}

function commandForm(cmd, list, replaceEl) {
  const c = cmd || { method: 'P', auto_complete: true };
  const form = h('form', { class: 'form-grid item' });
  const title = h('input', { value: c.display_name || '' });
  const trigger = h('input', { value: c.trigger || '', required: true });
  const url = h('input', { type: 'url', value: c.url || '', required: true });
  const method = h('select', null, h('option', { value: 'P' }, 'POST'), h('option', { value: 'G' }, 'GET'));
  method.value = c.method || 'P';
  const username = h('input', { value: c.username || '' });
  const icon = h('input', { value: c.icon_url || '' });
  const auto = h('input', { type: 'checkbox', checked: c.auto_complete });
  const hint = h('input', { value: c.auto_complete_hint || '' });
  const desc = h('input', { value: c.auto_complete_desc || '' });
  form.append(...field('Title', title), ...field('Trigger', trigger, 'Without the slash'), ...field('Request URL', url),
    ...field('Method', method), ...field('Response username', username), ...field('Response icon URL', icon),
    ...field('Autocomplete', auto), ...field('Autocomplete hint', hint), ...field('Autocomplete description', desc),
    h('div', { class: 'full row' }, h('button', { type: 'submit' }, cmd ? 'Save' : 'Create'),
      h('button', { type: 'button', class: 'secondary', onclick: () => (replaceEl ? form.replaceWith(replaceEl) : form.remove()) }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = {
      team_id: S.team.id, display_name: title.value, trigger: trigger.value.replace(/^\//, ''), url: url.value, method: method.value,
      username: username.value, icon_url: icon.value, auto_complete: auto.checked, auto_complete_hint: hint.value, auto_complete_desc: desc.value,
    };
    try {
      const saved = cmd ? await put(`/commands/${cmd.id}`, { ...cmd, ...data }) : await post('/commands', data);
      S.commands = null;
      form.replaceWith(commandItem(saved, list));
    } catch (e) { err(e); }
  });
  return form;
}

function commandItem(cmd, list) {
  const token = h('code', { class: 'url' }, cmd.token);
  const item = h('article', { class: 'item', 'aria-label': `/${cmd.trigger}` },
    h('h3', null, `/${cmd.trigger}`, cmd.display_name ? h('span', { class: 'muted' }, ` — ${cmd.display_name}`) : null),
    h('div', { class: 'kv' },
      h('span', null, 'Request'), h('span', null, `${cmd.method === 'G' ? 'GET' : 'POST'} `, h('code', { class: 'url' }, cmd.url)),
      h('span', null, 'Token'), h('span', { class: 'row' }, token,
        h('button', { type: 'button', class: 'small secondary', onclick: async () => { try { const r = await put(`/commands/${cmd.id}/regen_token`); cmd.token = r.token; token.textContent = r.token; toast('New token'); } catch (e) { err(e); } } }, 'Regenerate token'))),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'small secondary', onclick: () => item.replaceWith(commandForm(cmd, list, item)) }, 'Edit'),
      h('button', { type: 'button', class: 'small danger', onclick: () => confirmDelete(`/${cmd.trigger}`, async () => { await del(`/commands/${cmd.id}`); S.commands = null; item.remove(); }) }, 'Delete')));
  return item;
}

// ---- Bots and tokens ---------------------------------------------------------------------

async function bots(body) {
  const list = h('div');
  const form = h('form', { class: 'form-grid item', hidden: true });
  const username = h('input', { required: true });
  const display = h('input');
  const description = h('input');
  form.append(...field('Username', username), ...field('Display name', display), ...field('Description', description),
    h('div', { class: 'full' }, h('button', { type: 'submit' }, 'Create bot')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const b = await post('/bots', { username: username.value.trim().toLowerCase(), display_name: display.value, description: description.value });
      form.hidden = true;
      list.prepend(botItem(b));
    } catch (e) { err(e); }
  });
  replace(body, h('div', { class: 'row' }, h('h2', null, 'Bot accounts'),
    h('button', { type: 'button', onclick: () => { form.hidden = false; username.focus(); } }, 'Add bot account')),
  S.config.EnableBotAccountCreation !== 'true' ? h('p', { class: 'muted' }, 'Bot account creation is off (ServiceSettings.EnableBotAccountCreation).') : null,
  form, list);
  const all = await get('/bots?per_page=200&include_deleted=true');
  replace(list, all.length ? all.map(botItem) : h('p', { class: 'muted' }, 'No bot accounts yet.'));
}

function botItem(b) {
  const tokensBox = h('div');
  const item = h('article', { class: 'item', 'aria-label': b.username },
    h('h3', null, b.username, b.delete_at ? h('span', { class: 'badge' }, 'DISABLED') : null),
    b.description ? h('p', { class: 'muted' }, b.description) : null,
    tokenManager(b.user_id, tokensBox),
    h('div', { class: 'row' }, h('button', {
      type: 'button', class: 'small secondary',
      onclick: async () => { try { const n = await post(`/bots/${b.user_id}/${b.delete_at ? 'enable' : 'disable'}`); item.replaceWith(botItem(n)); } catch (e) { err(e); } },
    }, b.delete_at ? 'Enable' : 'Disable')));
  return item;
}

async function tokens(body) {
  const box = h('div');
  replace(body, h('h2', null, 'Personal access tokens'),
    S.config.EnableUserAccessTokens !== 'true' ? h('p', { class: 'muted' }, 'Personal access tokens are off (ServiceSettings.EnableUserAccessTokens).') : null,
    tokenManager(S.me.id, box));
}

/** The tokens of one user (a bot or the caller): list, create (shown once), revoke. */
function tokenManager(userId, box) {
  const desc = h('input', { placeholder: 'What is it for?', 'aria-label': 'Token description' });
  const fresh = h('div');
  const load = async () => {
    try {
      const list = await get(`/users/${userId}/tokens?per_page=100`);
      replace(box, list.length ? h('ul', { class: 'pick-list' }, list.map((t) => h('li', null,
        h('span', null, t.description || '(no description)', h('span', { class: 'muted' }, ` · ${t.id}${t.is_active === false ? ' · disabled' : ''}`)),
        h('button', { type: 'button', class: 'small danger', onclick: async () => { try { await post('/users/tokens/revoke', { token_id: t.id }); load(); } catch (e) { err(e); } } }, 'Revoke'))))
        : h('p', { class: 'muted' }, 'No tokens.'));
    } catch (e) { replace(box, h('p', { class: 'muted' }, e.message)); }
  };
  load();
  return h('div', { class: 'stack' }, box,
    h('div', { class: 'row' }, desc, h('button', {
      type: 'button', class: 'small',
      onclick: async () => {
        try {
          const t = await post(`/users/${userId}/tokens`, { description: desc.value });
          desc.value = '';
          replace(fresh, h('div', { class: 'stack' }, h('p', null, 'The new token (shown once; copy it now):'),
            h('div', { class: 'row' }, h('code', { class: 'secret' }, t.token), h('button', { type: 'button', class: 'small', onclick: () => copy(t.token) }, 'Copy token'))));
          load();
        } catch (e) { err(e); }
      },
    }, 'Create token')), fresh);
}
