// One post as an <article>: author (or the webhook's overridden name and icon) with the bot or
// webhook badge, time, edited/deleted markers, the Markdown message, Slack attachments, files,
// reactions, the reply count, and the actions (reply, react, edit and delete own posts).

import { h, timeOf, safeImage, dialog, toast } from './dom.js';
import { render } from './markdown.js';
import { attachments } from './attachments.js';
import { emoji as glyph } from './emoji.js';
import { renderFiles } from './files.js';
import { S, path, userName, isAdmin, changed } from './store.js';
import { put, del, post as apiPost } from './api.js';

const PICK = ['+1', 'heart', 'smile', 'tada', 'eyes', 'white_check_mark', 'rocket', '-1'];

export const mdContext = () => ({
  channelLink: (name) => path(`/${S.team ? S.team.name : ''}/channels/${name}`),
  mentionClass: (name) => (S.me && (name === S.me.username || ['all', 'channel', 'here'].includes(name)) ? 'me' : ''),
});

function hue(s) {
  let n = 0;
  for (const ch of s) n = (n * 31 + ch.codePointAt(0)) % 360;
  return n;
}

function avatar(name, iconUrl) {
  const src = safeImage(iconUrl);
  if (src) return h('img', { class: 'avatar', src, alt: '', width: 32, height: 32, referrerpolicy: 'no-referrer' });
  const a = h('span', { class: 'avatar', 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase());
  a.style.backgroundColor = `hsl(${hue(name || '?')} 45% 42%)`;
  return a;
}

/** Who a post shows as: [name, icon url, badge]. */
export function author(p) {
  const props = p.props || {};
  const hook = props.from_webhook === 'true';
  const u = S.users.get(p.user_id);
  if (p.ephemeral) return [props.override_username || 'System', props.override_icon_url, 'SYSTEM'];
  const name = hook && props.override_username ? props.override_username : userName(p.user_id);
  const icon = hook ? props.override_icon_url : '';
  const badge = hook ? 'WEBHOOK' : (u && u.is_bot) || props.from_bot === 'true' ? 'BOT' : '';
  return [name, icon, badge];
}

/**
 * Renders a post. `opts.onReply(post)` opens its thread; `opts.inThread` hides reply counts.
 */
export function renderPost(p, opts = {}) {
  const [name, icon, badge] = author(p);
  const mine = S.me && p.user_id === S.me.id && !p.ephemeral;
  const deleted = p.delete_at > 0 || p.state === 'DELETED';
  const art = h('article', {
    class: `post${p.ephemeral ? ' ephemeral' : ''}${p.root_id && !opts.inThread ? ' is-reply' : ''}${p.pending ? ' pending' : ''}`,
    'data-id': p.id,
    'aria-label': `${name} at ${timeOf(p.create_at)}`,
    tabindex: '-1',
  });
  const head = h('header', { class: 'post-head' },
    h('span', { class: 'post-name' }, name),
    badge ? h('span', { class: 'badge' }, badge) : null,
    h('time', { datetime: new Date(p.create_at).toISOString(), title: new Date(p.create_at).toLocaleString() }, timeOf(p.create_at)),
    p.edit_at > 0 && !deleted ? h('span', { class: 'edited' }, '(edited)') : null);
  const body = h('div', { class: 'post-body' }, head);
  if (p.root_id && !opts.inThread) {
    body.append(h('button', { type: 'button', class: 'link reply-to', onclick: () => opts.onReply && opts.onReply(p) }, '↪ reply in a thread'));
  }
  if (deleted) {
    body.append(h('p', { class: 'deleted' }, '(message deleted)'));
  } else {
    const msg = h('div', { class: 'post-message' });
    if (p.message) msg.append(render(p.message, mdContext()));
    const atts = attachments((p.props || {}).attachments, mdContext(), p);
    if (atts) msg.append(atts);
    const files = (p.metadata && p.metadata.files) || [];
    if (files.length) msg.append(renderFiles(files));
    body.append(msg);
  }
  if (p.ephemeral) body.append(h('p', { class: 'only-you' }, '(only visible to you)'));
  if (!deleted && !p.ephemeral) {
    const reactions = renderReactions(p);
    if (reactions) body.append(reactions);
    if (!opts.inThread && !p.root_id && p.reply_count > 0) {
      body.append(h('button', { type: 'button', class: 'link replies', onclick: () => opts.onReply && opts.onReply(p) },
        `${p.reply_count} ${p.reply_count === 1 ? 'reply' : 'replies'}`));
    }
    body.append(actions(p, mine, opts));
  }
  art.append(avatar(name, icon), body);
  return art;
}

function renderReactions(p) {
  const list = (p.metadata && p.metadata.reactions) || [];
  if (!list.length) return null;
  const groups = new Map();
  for (const r of list) {
    if (!groups.has(r.emoji_name)) groups.set(r.emoji_name, []);
    groups.get(r.emoji_name).push(r.user_id);
  }
  return h('div', { class: 'reactions' }, [...groups].map(([emoji, users]) => {
    const mine = users.includes(S.me.id);
    return h('button', {
      type: 'button', class: 'reaction', 'aria-pressed': mine ? 'true' : 'false',
      'aria-label': `${emoji} reaction, ${users.length}`,
      title: users.map(userName).join(', '),
      onclick: () => toggleReaction(p, emoji, mine),
    }, `${glyph(emoji) || `:${emoji}:`} ${users.length}`);
  }));
}

async function toggleReaction(p, emoji, mine) {
  try {
    if (mine) await del(`/users/me/posts/${p.id}/reactions/${encodeURIComponent(emoji)}`);
    else await apiPost('/reactions', { user_id: S.me.id, post_id: p.id, emoji_name: emoji });
    changed(p);
  } catch (e) { toast(`Reaction failed: ${e.message}`, 'error'); }
}

function actions(p, mine, opts) {
  const bar = h('div', { class: 'post-actions' });
  bar.append(h('button', { type: 'button', class: 'act', onclick: () => opts.onReply && opts.onReply(p) }, 'Reply'));
  bar.append(h('button', {
    type: 'button', class: 'act', 'aria-haspopup': 'true',
    onclick: (ev) => picker(ev.currentTarget, p),
  }, 'React'));
  if (mine && (p.props || {}).from_webhook !== 'true') bar.append(h('button', { type: 'button', class: 'act', onclick: (ev) => edit(ev.currentTarget.closest('article'), p) }, 'Edit'));
  if (mine || isAdmin()) bar.append(h('button', { type: 'button', class: 'act danger', onclick: () => remove(p) }, 'Delete'));
  return bar;
}

function picker(anchor, p) {
  const existing = anchor.parentElement.querySelector('.picker');
  if (existing) { existing.remove(); return; }
  const box = h('div', { class: 'picker', role: 'group', 'aria-label': 'Reactions' }, PICK.map((e) =>
    h('button', {
      type: 'button', 'aria-label': e,
      onclick: async () => {
        box.remove();
        try { await apiPost('/reactions', { user_id: S.me.id, post_id: p.id, emoji_name: e }); changed(p); } catch (err) { toast(`Reaction failed: ${err.message}`, 'error'); }
      },
    }, glyph(e))));
  anchor.after(box);
  box.querySelector('button').focus();
}

function edit(article, p) {
  const msg = article.querySelector('.post-message');
  if (!msg || article.querySelector('.edit-box')) return;
  const area = h('textarea', { 'aria-label': 'Edit message', class: 'edit-box', rows: 3 });
  area.value = p.message;
  const done = () => { form.remove(); msg.hidden = false; };
  const save = async () => {
    try {
      await put(`/posts/${p.id}/patch`, { message: area.value });
      done();
      changed(p);
    } catch (e) { toast(`Could not save: ${e.message}`, 'error'); }
  };
  area.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); save(); }
    if (ev.key === 'Escape') { ev.preventDefault(); done(); }
  });
  const form = h('div', { class: 'edit' }, area,
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: save }, 'Save'),
      h('button', { type: 'button', class: 'secondary', onclick: done }, 'Cancel')));
  msg.hidden = true;
  msg.after(form);
  area.focus();
}

function remove(p) {
  const d = dialog('Delete message', h('div', null,
    h('p', null, 'Delete this message? This cannot be undone.'),
    h('div', { class: 'row' },
      h('button', {
        type: 'button', class: 'danger',
        onclick: async () => {
          try { await del(`/posts/${p.id}`); d.close(); changed(p); } catch (e) { toast(`Could not delete: ${e.message}`, 'error'); }
        },
      }, 'Delete'),
      h('button', { type: 'button', class: 'secondary', onclick: () => d.close() }, 'Cancel'))));
}
