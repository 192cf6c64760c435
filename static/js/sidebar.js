// The team rail and the channel sidebar (a navigation landmark named "Channels": a link per
// channel named by its display name, the current one aria-current="page", unread counts), and
// the dialogs to browse and join public channels, create a channel, and open a direct message.

import { h, replace, dialog, toast } from './dom.js';
import { S, path, channelLabel, unread, mentions, isAdmin } from './store.js';
import { get, post } from './api.js';

const KINDS = [
  ['Channels', (c) => c.type === 'O' || c.type === 'P'],
  ['Direct messages', (c) => c.type === 'D' || c.type === 'G'],
];

export function teamRail(go) {
  return h('nav', { 'aria-label': 'Teams', class: 'teams' },
    h('ul', null, S.teams.map((t) => h('li', null, h('a', {
      href: path(`/${t.name}`), 'data-nav': '', title: t.display_name,
      'aria-label': t.display_name, 'aria-current': S.team && t.id === S.team.id ? 'page' : null,
    }, t.display_name.slice(0, 2))))),
    h('button', { type: 'button', class: 'team-add', 'aria-label': 'Create a team', title: 'Create a team', onclick: () => createTeam(go) }, '+'));
}

export function sidebar(current, go) {
  const nav = h('nav', { 'aria-label': 'Channels', class: 'sidebar' });
  nav.append(h('div', { class: 'side-head' },
    h('h2', { class: 'team-name' }, S.team.display_name),
    h('div', { class: 'side-tools' },
      h('button', { type: 'button', class: 'small', onclick: () => browse(go) }, 'Browse channels'),
      h('button', { type: 'button', class: 'small', onclick: () => create(go) }, 'New channel'),
      h('button', { type: 'button', class: 'small', onclick: () => directMessage(go) }, 'New message'))));
  for (const [title, test] of KINDS) {
    const list = S.channels.filter(test).sort((a, b) => channelLabel(a).localeCompare(channelLabel(b)));
    if (!list.length) continue;
    nav.append(h('h3', { class: 'side-title' }, title), h('ul', null, list.map((c) => {
      const n = unread(c);
      const m = mentions(c);
      const badgeId = `unread-${c.id}`;
      const isCurrent = current && c.id === current.id;
      return h('li', { class: n && !isCurrent ? 'unread' : '' },
        h('a', {
          href: path(`/${S.team.name}/channels/${c.name}`), 'data-nav': '',
          'aria-current': isCurrent ? 'page' : null,
          'aria-label': channelLabel(c),
          'aria-describedby': n && !isCurrent ? badgeId : null,
        }, h('span', { class: 'ch-icon', 'aria-hidden': 'true' }, c.type === 'P' ? '🔒' : c.type === 'D' ? '@' : c.type === 'G' ? '👥' : '#'),
        h('span', { class: 'ch-name' }, channelLabel(c))),
        n && !isCurrent ? h('span', { id: badgeId, class: m ? 'count mention' : 'count', 'aria-label': `${m || n} unread` }, String(m || n)) : null);
    })));
  }
  nav.append(h('div', { class: 'side-foot' },
    h('a', { href: path(`/${S.team.name}/integrations`), 'data-nav': '' }, 'Integrations'),
    isAdmin() ? h('a', { href: path('/admin_console'), 'data-nav': '' }, 'System console') : null));
  return nav;
}

function browse(go) {
  const list = h('ul', { class: 'pick-list' }, h('li', { class: 'muted' }, 'Loading…'));
  const d = dialog('Browse channels', list);
  get(`/teams/${S.team.id}/channels?per_page=200`).then((all) => {
    const mine = new Set(S.channels.map((c) => c.id));
    const others = all.filter((c) => !mine.has(c.id));
    replace(list, others.length ? others.map((c) => h('li', null,
      h('span', null, h('strong', null, c.display_name), c.purpose ? h('span', { class: 'muted' }, ` — ${c.purpose}`) : null),
      h('button', {
        type: 'button', class: 'small',
        onclick: async () => {
          try {
            await post(`/channels/${c.id}/members`, { user_id: S.me.id });
            d.close();
            go(`/${S.team.name}/channels/${c.name}`, { reload: true });
          } catch (e) { toast(`Could not join: ${e.message}`, 'error'); }
        },
      }, `Join ${c.display_name}`))) : h('li', { class: 'muted' }, 'No other public channels.'));
  }).catch((e) => replace(list, h('li', { role: 'alert' }, e.message)));
}

function create(go) {
  const name = h('input', { id: 'nc-name', required: true, maxlength: 64 });
  const kind = h('select', { id: 'nc-type' }, h('option', { value: 'O' }, 'Public'), h('option', { value: 'P' }, 'Private'));
  const purpose = h('input', { id: 'nc-purpose', maxlength: 250 });
  const err = h('p', { role: 'alert', class: 'error', hidden: true });
  const form = h('form', { class: 'stack' },
    h('label', { for: 'nc-name' }, 'Name'), name,
    h('label', { for: 'nc-type' }, 'Type'), kind,
    h('label', { for: 'nc-purpose' }, 'Purpose (optional)'), purpose,
    err, h('button', { type: 'submit' }, 'Create channel'));
  const d = dialog('New channel', form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const slug = name.value.trim().toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || `channel-${Date.now().toString(36)}`;
    try {
      const c = await post('/channels', { team_id: S.team.id, name: slug, display_name: name.value.trim(), type: kind.value, purpose: purpose.value });
      d.close();
      go(`/${S.team.name}/channels/${c.name}`, { reload: true });
    } catch (e) { err.hidden = false; err.textContent = e.message; }
  });
}

function directMessage(go) {
  const q = h('input', { id: 'dm-q', type: 'search', 'aria-label': 'Find a person', placeholder: 'Type a name' });
  const list = h('ul', { class: 'pick-list' });
  const d = dialog('New direct message', h('div', { class: 'stack' }, q, list));
  let users = [];
  const show = () => {
    const needle = q.value.trim().toLowerCase();
    replace(list, users.filter((u) => u.id !== S.me.id && !u.delete_at && (!needle || u.username.includes(needle) || `${u.first_name} ${u.last_name}`.toLowerCase().includes(needle)))
      .slice(0, 50).map((u) => h('li', null, h('span', null, u.username, u.is_bot ? h('span', { class: 'badge' }, 'BOT') : null),
        h('button', {
          type: 'button', class: 'small',
          onclick: async () => {
            try {
              const c = await post('/channels/direct', [S.me.id, u.id]);
              S.users.set(u.id, u);
              d.close();
              go(`/${S.team.name}/channels/${c.name}`, { reload: true });
            } catch (e) { toast(`Could not open: ${e.message}`, 'error'); }
          },
        }, `Message ${u.username}`))));
  };
  q.addEventListener('input', show);
  get(`/users?in_team=${S.team.id}&per_page=200`).then((all) => { users = all; all.forEach((u) => S.users.set(u.id, u)); show(); })
    .catch((e) => replace(list, h('li', { role: 'alert' }, e.message)));
  q.focus();
}

export function createTeam(go) {
  const name = h('input', { id: 'nt-name', required: true, maxlength: 64 });
  const err = h('p', { role: 'alert', class: 'error', hidden: true });
  const form = h('form', { class: 'stack' }, h('label', { for: 'nt-name' }, 'Team name'), name, err,
    h('button', { type: 'submit' }, 'Create team'));
  const d = dialog('Create a team', form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const slug = name.value.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
    try {
      const t = await post('/teams', { name: slug.length >= 2 ? slug : `team-${slug}`, display_name: name.value.trim(), type: 'O' });
      d.close();
      go(`/${t.name}`, { reload: true });
    } catch (e) { err.hidden = false; err.textContent = e.message; }
  });
  name.focus();
}

