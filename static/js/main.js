// The web client's entry point: signing in (or creating the first account on a fresh server),
// routing (`/<team>/channels/<name>`, `/<team>/integrations`, `/admin_console`, under `/perch`
// or `/`), and the chat screen: team rail, channel sidebar, messages, composer and the thread.

import { h, replace, toast } from './dom.js';
import { api, get, post, hooks } from './api.js';
import { S, path, loadTeams, loadChannels, channelLabel, markViewed, bus, ensureUsers, userName } from './store.js';
import { teamRail, sidebar, createTeam } from './sidebar.js';
import { MessageList, firstPage } from './messages.js';
import { composer } from './composer.js';
import { Thread } from './thread.js';
import { live, start as startLive, stop as stopLive, typing } from './live.js';
import { openDialog } from './interactive.js';

const app = document.getElementById('app');
const view = { list: null, thread: null, channel: null, composer: null, screen: null };

/** Navigates to a client path (without the base). */
export function go(p, { replace: rep = false, reload = false } = {}) {
  const url = path(p);
  if (rep) history.replaceState(null, '', url); else history.pushState(null, '', url);
  route({ reload });
}

function relPath() {
  let p = location.pathname;
  if (S.base && p.startsWith(S.base)) p = p.slice(S.base.length);
  return p.replace(/\/+$/, '') || '/';
}

// Links marked data-nav stay inside the client.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-nav], a[data-internal]');
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  const u = new URL(a.href);
  if (u.origin !== location.origin) return;
  ev.preventDefault();
  history.pushState(null, '', u.pathname);
  route({});
  document.body.classList.remove('drawer-open');
});
addEventListener('popstate', () => route({}));
hooks.onUnauthorized = () => { stopLive(); S.me = null; go('/login', { replace: true }); };

async function boot() {
  // Without the MMUSERID cookie there is no session to ask about.
  const signedIn = /(?:^|;\s*)MMUSERID=/.test(document.cookie);
  if (signedIn) prefetch();
  const [config, me, teams] = await Promise.all([
    get('/config/client?format=old').catch(() => ({})),
    signedIn ? get('/users/me', { quiet401: true }).catch(() => null) : null,
    signedIn ? get('/users/me/teams', { quiet401: true }).catch(() => null) : null,
  ]);
  S.config = config;
  S.me = me;
  if (me && teams) S.teams = teams.sort((a, b) => a.display_name.localeCompare(b.display_name));
  document.title = S.config.SiteName && S.config.SiteName !== 'Mattermost' ? S.config.SiteName : 'Perch';
  await route({});
  if (S.me) startLive({ onEvent, onResync: resync, onStatus });
  setInterval(poll, 3000);
}

// A fresh load of a channel's address asks for that channel's newest posts (and their
// authors) beside the session and teams, instead of after them and the team's channels.
let early = null;
function prefetch() {
  const m = relPath().match(/^\/([a-z0-9_-]+)\/channels\/([a-z0-9_.-]+)$/);
  if (!m) return;
  early = get(`/teams/name/${m[1]}/channels/name/${m[2]}`, { quiet401: true })
    .then((ch) => firstPage(ch.id).then((page) => ({ id: ch.id, page })))
    .catch(() => null);
}

/** The prefetched newest page of `channel` (once), or null. */
async function prefetched(channel) {
  const p = early;
  early = null;
  const got = p && await p;
  return got && got.id === channel.id ? got.page : null;
}

/** Without live events (no WebSocket yet, or while it reconnects), new posts are fetched. */
let polls = 0;
async function poll() {
  if (view.screen !== 'chat' || live.connected || document.hidden) return;
  try {
    await view.list.catchUp();
    if (++polls % 5 === 0 && S.team) {
      await loadChannels(S.team);
      view.side.replaceWith(view.side = sidebar(view.channel, go));
    }
  } catch { /* the next poll tries again */ }
}


async function route({ reload = false }) {
  const p = relPath();
  if (!S.me) {
    if (p !== '/login') history.replaceState(null, '', path('/login'));
    return login();
  }
  if (p === '/login') return go('/', { replace: true });
  if (!S.teams.length || reload) await loadTeams();
  if (p === '/admin_console' || p.startsWith('/admin_console/')) {
    const { systemConsole } = await import('./system.js');
    return chrome(null, (main) => systemConsole(main));
  }
  const [teamName, section, rest] = p.split('/').filter(Boolean);
  if (!S.teams.length) return noTeam();
  let team = S.teams.find((t) => t.name === teamName);
  if (!team) {
    const last = localStorage.getItem('perch.lastTeam');
    team = S.teams.find((t) => t.name === last) || S.teams[0];
    return go(`/${team.name}/channels/town-square`, { replace: true });
  }
  if (!S.team || S.team.id !== team.id || reload) {
    S.team = team;
    await loadChannels(team);
  }
  localStorage.setItem('perch.lastTeam', team.name);
  if (section === 'integrations') {
    const { integrations } = await import('./integrations.js');
    return chrome(null, (main) => integrations(main, rest || 'incoming', go));
  }
  const name = section === 'channels' && rest ? rest : 'town-square';
  let channel = S.channels.find((c) => c.name === name);
  if (!channel && section === 'channels') {
    try {
      channel = await get(`/teams/${team.id}/channels/name/${encodeURIComponent(name)}`);
    } catch { channel = null; }
  }
  if (!channel) {
    const fallback = S.channels.find((c) => c.name === 'town-square') || S.channels[0];
    if (!fallback) return chrome(null, (main) => replace(main, h('p', { class: 'muted pad' }, 'You are in no channel of this team yet.')));
    return go(`/${team.name}/channels/${fallback.name}`, { replace: true });
  }
  if (section !== 'channels') return go(`/${team.name}/channels/${channel.name}`, { replace: true });
  return showChannel(channel);
}

/** The signed-in layout: rail, sidebar, and `fill(main)` for the middle. */
function chrome(channel, fill) {
  view.screen = 'other';
  view.channel = channel;
  const main = h('main', { id: 'main', class: 'main' });
  replace(app, h('div', { class: 'layout' }, S.teams.length ? teamRail(go) : null, S.team ? sidebar(channel, go) : null, main));
  fill(main);
  return main;
}

function topbar(title, ...extra) {
  return h('header', { class: 'topbar' },
    h('button', { type: 'button', class: 'menu', 'aria-label': 'Show channels', onclick: () => document.body.classList.toggle('drawer-open') }, '☰'),
    h('div', { class: 'title' }, title),
    ...extra,
    h('div', { class: 'me' }, h('span', { class: 'muted' }, `@${S.me.username}`),
      h('button', { type: 'button', class: 'small secondary', onclick: logout }, 'Log out')));
}

async function showChannel(channel) {
  const same = view.screen === 'chat' && view.channel && view.channel.id === channel.id;
  view.channel = channel;
  if (same) return;
  const fresh = view.screen !== 'chat';
  view.screen = 'chat';
  if (fresh) {
    view.list = new MessageList({ onReply: (p) => openThread(p.root_id || p.id) });
    view.thread = new Thread();
    view.composer = composer({
      label: 'Message',
      channel: () => view.channel,
      rootId: () => '',
      onSent: (p) => view.list.push(p),
      onEphemeral: (p) => view.list.push(p),
      onTyping: () => typing(view.channel.id, ''),
    });
    view.header = h('div', { class: 'channel-head' });
    view.main = h('main', { id: 'main', class: 'main chat' }, view.header, view.list.el, h('div', { class: 'typing', 'aria-live': 'polite' }), view.composer.el);
    view.side = h('div');
    replace(app, h('div', { class: 'layout' }, teamRail(go), view.side, view.main, view.thread.el));
  }
  view.side.replaceWith(view.side = sidebar(channel, go));
  const label = channelLabel(channel);
  replace(view.header, topbar(h('div', null, h('h1', null, label),
    channel.header ? h('p', { class: 'channel-header muted' }, channel.header) : null)));
  document.title = `${label} – ${S.team.display_name}`;
  view.thread.close();
  try {
    await view.list.open(channel, await prefetched(channel));
  } catch (e) {
    toast(`Could not load messages: ${e.message}`, 'error');
  }
  markViewed(channel);
  if (matchMedia('(min-width: 701px)').matches) view.composer.focus();
}

async function openThread(rootId) {
  await view.thread.open(rootId, view.channel);
}

bus.addEventListener('post-changed', (ev) => {
  const p = ev.detail || {};
  if (view.screen !== 'chat') return;
  if (p.id) { view.list.refresh(p.id); view.thread.refresh(); } else view.list.catchUp().catch(() => {});
});

// Live events (live.js): posts, edits, deletions, reactions, typing, membership changes.
const typists = new Map();

function showTyping() {
  const el = view.main && view.main.querySelector('.typing');
  if (!el) return;
  const now = Date.now();
  const names = [...typists].filter(([k, t]) => t.until > now && k.startsWith(`${view.channel.id}:`)).map(([, t]) => t.name);
  el.textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
}
setInterval(showTyping, 1000);

let sideTimer = null;
function refreshSidebar(reload) {
  clearTimeout(sideTimer);
  sideTimer = setTimeout(async () => {
    if (!S.team || view.screen !== 'chat') return;
    if (reload) { await loadTeams().catch(() => {}); await loadChannels(S.team).catch(() => {}); }
    view.side.replaceWith(view.side = sidebar(view.channel, go));
  }, reload ? 200 : 50);
}

function onEvent(msg) {
  const d = msg.data || {};
  const b = msg.broadcast || {};
  const parse = (v) => (typeof v === 'string' ? JSON.parse(v) : v);
  // An integration opened a dialog for us (after a click or a slash command).
  if (msg.event === 'open_dialog') { openDialog(d.dialog, view.channel); return; }
  if (view.screen !== 'chat') return;
  switch (msg.event) {
    case 'posted':
    case 'ephemeral_message': {
      const p = parse(d.post);
      if (msg.event === 'ephemeral_message') p.ephemeral = true;
      typists.delete(`${p.channel_id}:${p.user_id}`);
      if (view.channel && p.channel_id === view.channel.id) {
        view.list.push(p);
        view.thread.push(p);
        if (!p.ephemeral) { view.channel.total_msg_count = (view.channel.total_msg_count || 0) + 1; markViewed(view.channel); }
      } else if (!p.ephemeral) {
        const c = S.channels.find((x) => x.id === p.channel_id);
        if (c) { c.total_msg_count = (c.total_msg_count || 0) + 1; const m = S.members.get(c.id); if (m && p.user_id === S.me.id) m.msg_count += 1; refreshSidebar(false); } else refreshSidebar(true);
      }
      break;
    }
    case 'post_edited': {
      const p = parse(d.post);
      view.list.update(p);
      view.thread.push(p);
      break;
    }
    case 'post_deleted': {
      const p = parse(d.post);
      view.list.remove(p.id);
      view.thread.refresh();
      break;
    }
    case 'reaction_added':
    case 'reaction_removed': {
      const r = parse(d.reaction);
      view.list.refresh(r.post_id);
      view.thread.refresh();
      break;
    }
    case 'typing': {
      const ch = b.channel_id;
      if (d.user_id === S.me.id) break;
      ensureUsers([d.user_id]).then(() => {
        typists.set(`${ch}:${d.user_id}`, { name: userName(d.user_id), until: Date.now() + 5000 });
        showTyping();
      });
      break;
    }
    case 'channel_viewed': {
      const c = S.channels.find((x) => x.id === d.channel_id);
      const m = S.members.get(d.channel_id);
      if (c && m) { m.msg_count = c.total_msg_count; m.mention_count = 0; refreshSidebar(false); }
      break;
    }
    case 'channel_created': case 'channel_updated': case 'channel_deleted': case 'user_added': case 'user_removed':
    case 'direct_added': case 'group_added': case 'added_to_team': case 'leave_team':
      refreshSidebar(true);
      break;
    default:
  }
}

/** Whether live updates flow (`data-live` on the body, for people's tools and tests). */
function onStatus(on) {
  document.body.dataset.live = on ? 'on' : 'off';
}

/** After a gap in the events (a fresh connection): fetch what may have been missed. */
function resync() {
  if (view.screen !== 'chat') return;
  view.list.catchUp().catch(() => {});
  view.thread.refresh();
  refreshSidebar(true);
}

function login() {
  view.screen = 'login';
  const first = S.config.NoAccounts === 'true';
  const err = h('p', { role: 'alert', class: 'error', hidden: true });
  const fail = (m) => { err.hidden = false; err.textContent = m; };
  let form;
  if (first) {
    const email = h('input', { id: 'su-email', type: 'email', required: true, autocomplete: 'email' });
    const user = h('input', { id: 'su-user', required: true, autocomplete: 'username' });
    const pass = h('input', { id: 'su-pass', type: 'password', required: true, autocomplete: 'new-password', minlength: S.config.PasswordMinimumLength || 8 });
    form = h('form', { class: 'stack card' },
      h('h1', null, 'Welcome to Perch'),
      h('p', { class: 'muted' }, 'This server has no accounts yet. The first account administers it.'),
      h('label', { for: 'su-email' }, 'Email'), email,
      h('label', { for: 'su-user' }, 'Username'), user,
      h('label', { for: 'su-pass' }, 'Password'), pass,
      err, h('button', { type: 'submit' }, 'Create account'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await post('/users', { email: email.value.trim(), username: user.value.trim().toLowerCase(), password: pass.value });
        await signIn(user.value.trim().toLowerCase(), pass.value);
      } catch (e) { fail(e.message); }
    });
  } else {
    const id = h('input', { id: 'login-id', required: true, autocomplete: 'username' });
    const pass = h('input', { id: 'login-pass', type: 'password', required: true, autocomplete: 'current-password' });
    form = h('form', { class: 'stack card' },
      h('h1', null, S.config.SiteName && S.config.SiteName !== 'Mattermost' ? S.config.SiteName : 'Perch'),
      h('label', { for: 'login-id' }, 'Email or username'), id,
      h('label', { for: 'login-pass' }, 'Password'), pass,
      err, h('button', { type: 'submit' }, 'Log in'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      try { await signIn(id.value.trim(), pass.value); } catch (e) { fail(e.status === 401 ? 'Wrong username, email or password.' : e.message); }
    });
  }
  replace(app, h('main', { id: 'main', class: 'login' }, form,
    h('p', { class: 'muted small' }, `Perch ${S.config.BuildNumber || ''}`)));
  form.querySelector('input').focus();
}

async function signIn(loginId, password) {
  S.me = await api('POST', '/users/login', { login_id: loginId, password }, { quiet401: true });
  S.teams = [];
  S.team = null;
  S.config = await get('/config/client?format=old').catch(() => S.config);
  go('/', { replace: true });
  startLive({ onEvent, onResync: resync, onStatus });
}

async function logout() {
  stopLive();
  try { await post('/users/logout'); } catch { /* signed out anyway */ }
  S.me = null;
  S.team = null;
  S.teams = [];
  view.screen = null;
  go('/login', { replace: true });
}

function noTeam() {
  chrome(null, (main) => replace(main, topbar(h('h1', null, 'No team yet')),
    h('div', { class: 'pad stack narrow' },
      h('p', null, 'You are not a member of any team. Create one, or ask an administrator to add you.'),
      h('button', { type: 'button', onclick: () => createTeam(go) }, 'Create a team'))));
}

export const ui = { view, go, topbar };

boot();
