// The client's state: who is signed in, teams, the current team's channels and memberships,
// users by id (fetched in batches), and routing helpers. Views read it and call the loaders.

import { get, post } from './api.js';

export const S = {
  me: null,
  config: {},
  teams: [],
  team: null,
  channels: [],
  /** channel id → channel member (msg_count, mention_count), when the server offers them */
  members: new Map(),
  users: new Map(),
  /** The base path the client is served under: '/perch' or ''. */
  base: location.pathname === '/perch' || location.pathname.startsWith('/perch/') ? '/perch' : '',
  commands: null,
};

/** Tells views that a post changed on the server (detail: {id, channel_id}). */
export const bus = new EventTarget();
export const changed = (p) => bus.dispatchEvent(new CustomEvent('post-changed', { detail: p }));

export const path = (p) => `${S.base}${p}`;
export const isAdmin = () => !!(S.me && (S.me.roles || '').split(' ').includes('system_admin'));

const waiting = new Map();
let batch = null;

/** Fetches the users among `ids` not known yet (one request per batch). */
export async function ensureUsers(ids) {
  const missing = [...new Set(ids)].filter((id) => id && !S.users.has(id));
  if (!missing.length) return;
  const pending = missing.map((id) => {
    if (!waiting.has(id)) waiting.set(id, null);
    return id;
  });
  if (!batch) {
    batch = Promise.resolve().then(async () => {
      const want = [...waiting.keys()];
      waiting.clear();
      batch = null;
      if (!want.length) return;
      try {
        const users = await post('/users/ids', want);
        for (const u of users) S.users.set(u.id, u);
      } catch { /* unknown or deleted users are shown by id */ }
    });
  }
  await batch;
  return pending;
}

export function userName(id) {
  const u = S.users.get(id);
  return u ? u.username : 'someone';
}

/** The channel's name as the sidebar shows it (the other person for a direct message). */
export function channelLabel(c) {
  if (c.type === 'D') {
    const other = c.name.split('__').find((id) => id !== S.me.id) || S.me.id;
    return userName(other);
  }
  if (c.type === 'G') return c.display_name || c.name;
  return c.display_name || c.name;
}

export async function loadTeams() {
  S.teams = await get('/users/me/teams');
  S.teams.sort((a, b) => a.display_name.localeCompare(b.display_name));
}

export async function loadChannels(team) {
  const [list, members] = await Promise.all([
    get(`/users/me/teams/${team.id}/channels`),
    S.noMembers ? null : get(`/users/me/teams/${team.id}/channels/members`).catch((e) => {
      if (e.status === 404) S.noMembers = true; // a server without unread counts
      return null;
    }),
  ]);
  S.channels = list.filter((c) => !c.delete_at);
  S.members = new Map();
  for (const m of members || []) S.members.set(m.channel_id, m);
  const dmUsers = S.channels.filter((c) => c.type === 'D').flatMap((c) => c.name.split('__'));
  await ensureUsers(dmUsers);
}

/** Unread messages in a channel (0 when the server gives no memberships). */
export function unread(c) {
  const m = S.members.get(c.id);
  if (!m) return 0;
  return Math.max(0, (c.total_msg_count || 0) - (m.msg_count || 0));
}

export function mentions(c) {
  const m = S.members.get(c.id);
  return m ? m.mention_count || 0 : 0;
}

/** Marks a channel read on the server and locally. */
export async function markViewed(c) {
  const m = S.members.get(c.id);
  if (!m) return; // no unread counts on this server
  m.msg_count = c.total_msg_count;
  m.mention_count = 0;
  try { await post('/channels/members/me/view', { channel_id: c.id }); } catch { /* the next view marks it */ }
}

export async function loadCommands() {
  if (S.commands && S.commands.team === S.team.id) return S.commands.list;
  let list = [];
  try { list = await get(`/teams/${S.team.id}/commands/autocomplete`); } catch { list = []; }
  list.sort((a, b) => a.trigger.localeCompare(b.trigger));
  S.commands = { team: S.team.id, list };
  return list;
}
