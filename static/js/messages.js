// A channel's messages: newest at the bottom, older pages fetched on scroll, day separators,
// consecutive posts of one author grouped. Only a window of posts is in the page at a time
// (WINDOW articles; rendered articles are kept per post and reused), so a channel of ten
// thousand messages scrolls like a short one; the window slides as the reader scrolls, keeping
// the post under the reader's eyes where it was.

import { h, dayOf, dayLabel } from './dom.js';
import { get } from './api.js';
import { S, ensureUsers } from './store.js';
import { renderPost } from './post.js';

const PAGE = 60;
const WINDOW = 150;
const STEP = 50;
const EDGE = 600;

export class MessageList {
  constructor({ onReply }) {
    this.onReply = onReply;
    this.el = h('div', { role: 'log', 'aria-label': 'Messages', class: 'log', tabindex: '0', 'aria-live': 'polite' });
    this.posts = [];
    this.byId = new Map();
    this.cache = new Map();
    this.lo = 0;
    this.hi = 0;
    this.hasOlder = false;
    this.loading = false;
    this.channel = null;
    this.el.addEventListener('scroll', () => this.onScroll(), { passive: true });
  }

  /** Shows `channel`, loading its newest page. */
  async open(channel) {
    this.channel = channel;
    this.posts = [];
    this.byId.clear();
    this.cache.clear();
    this.el.replaceChildren(h('p', { class: 'muted loading' }, 'Loading…'));
    const page = await get(`/channels/${channel.id}/posts?page=0&per_page=${PAGE}`);
    if (this.channel !== channel) return;
    const list = page.order.map((id) => page.posts[id]).reverse();
    await ensureUsers(list.map((p) => p.user_id));
    if (this.channel !== channel) return;
    this.hasOlder = list.length >= PAGE;
    for (const p of list) this.add(p);
    this.hi = this.posts.length;
    this.lo = Math.max(0, this.hi - WINDOW);
    this.paint();
    this.toBottom();
  }

  add(p) {
    this.byId.set(p.id, p);
    this.posts.push(p);
  }

  atBottom() {
    const e = this.el;
    return e.scrollHeight - e.scrollTop - e.clientHeight < 40;
  }

  toBottom() { this.el.scrollTop = this.el.scrollHeight; }

  articleFor(p) {
    let a = this.cache.get(p.id);
    if (!a) {
      a = renderPost(p, { onReply: this.onReply });
      this.cache.set(p.id, a);
    }
    return a;
  }

  /** Renders posts [lo, hi) with separators, keeping the first visible post in place. */
  paint() {
    const anchor = this.anchor();
    const nodes = [];
    if (this.lo === 0 && !this.hasOlder && this.channel) {
      nodes.push(h('div', { class: 'intro' }, h('h2', null, `Beginning of ${this.channel.display_name || 'this conversation'}`),
        this.channel.purpose ? h('p', null, this.channel.purpose) : null));
    }
    let prev = this.lo > 0 ? this.posts[this.lo - 1] : null;
    for (let k = this.lo; k < this.hi; k++) {
      const p = this.posts[k];
      if (!prev || dayOf(prev.create_at) !== dayOf(p.create_at)) {
        nodes.push(h('div', { class: 'day', role: 'separator', 'aria-label': dayLabel(p.create_at) }, h('span', null, dayLabel(p.create_at))));
      }
      const a = this.articleFor(p);
      const grouped = prev && prev.user_id === p.user_id && !p.ephemeral && !prev.ephemeral &&
        p.create_at - prev.create_at < 5 * 60 * 1000 && dayOf(prev.create_at) === dayOf(p.create_at) &&
        !(p.props && p.props.from_webhook) && !(prev.props && prev.props.from_webhook) && !p.root_id && !prev.root_id;
      a.classList.toggle('grouped', !!grouped);
      nodes.push(a);
      prev = p;
    }
    if (!this.posts.length) nodes.push(h('p', { class: 'muted empty' }, 'No messages yet.'));
    this.el.replaceChildren(...nodes);
    if (anchor) this.restore(anchor);
  }

  anchor() {
    const top = this.el.scrollTop;
    for (const a of this.el.querySelectorAll('article')) {
      if (a.offsetTop + a.offsetHeight > top) return { id: a.dataset.id, offset: a.offsetTop - top };
    }
    return null;
  }

  restore({ id, offset }) {
    const a = this.cache.get(id);
    if (a && a.isConnected) this.el.scrollTop = a.offsetTop - offset;
  }

  async onScroll() {
    if (!this.channel || this.loading) return;
    const e = this.el;
    if (e.scrollTop < EDGE) {
      if (this.lo > 0) {
        this.lo = Math.max(0, this.lo - STEP);
        this.hi = Math.min(this.hi, this.lo + WINDOW);
        this.paint();
      } else if (this.hasOlder) {
        await this.older();
      }
    } else if (e.scrollHeight - e.scrollTop - e.clientHeight < EDGE && this.hi < this.posts.length) {
      this.hi = Math.min(this.posts.length, this.hi + STEP);
      this.lo = Math.max(0, this.hi - WINDOW);
      this.paint();
    }
  }

  async older() {
    const channel = this.channel;
    const first = this.posts[0];
    if (!first) return;
    this.loading = true;
    try {
      const page = await get(`/channels/${channel.id}/posts?before=${first.id}&per_page=${PAGE}`);
      if (this.channel !== channel) return;
      const list = page.order.map((id) => page.posts[id]).filter((p) => !this.byId.has(p.id)).reverse();
      await ensureUsers(list.map((p) => p.user_id));
      this.hasOlder = page.order.length >= PAGE;
      for (const p of list) this.byId.set(p.id, p);
      this.posts.unshift(...list);
      this.lo += list.length;
      this.hi += list.length;
      this.lo = Math.max(0, this.lo - STEP);
      this.hi = Math.min(this.hi, this.lo + WINDOW);
      this.paint();
    } finally {
      this.loading = false;
    }
  }

  /** A new post arrived (or one of ours, or an ephemeral answer). */
  async push(p) {
    if (!this.channel || p.channel_id !== this.channel.id) return;
    if (this.byId.has(p.id)) { this.update(p); return; }
    // A command's ephemeral answer comes both in its response and as a live event.
    if (p.ephemeral && this.posts.some((x) => x.ephemeral && x.message === p.message && Math.abs(x.create_at - p.create_at) < 5000)) return;
    await ensureUsers([p.user_id]);
    const stick = this.atBottom();
    const atEnd = this.hi === this.posts.length;
    this.add(p);
    if (atEnd) {
      this.hi = this.posts.length;
      if (stick && this.hi - this.lo > WINDOW) this.lo = this.hi - WINDOW;
      this.paint();
      if (stick || (S.me && p.user_id === S.me.id)) this.toBottom();
    }
    // A reply raises its root's count.
    if (p.root_id && this.byId.has(p.root_id)) {
      const root = this.byId.get(p.root_id);
      root.reply_count = (root.reply_count || 0) + 1;
      this.update(root);
    }
  }

  /** A post changed (edited, deleted, reactions): re-render it if it is shown. */
  update(p) {
    const old = this.byId.get(p.id);
    if (!old) return;
    Object.assign(old, p);
    const before = this.cache.get(p.id);
    this.cache.delete(p.id);
    if (before && before.isConnected) {
      const a = this.articleFor(old);
      a.className = before.className;
      before.replaceWith(a);
    }
  }

  /** Fetches posts newer than the newest shown (after our own send, or without live events). */
  async catchUp() {
    if (!this.channel) return;
    const channel = this.channel;
    const last = [...this.posts].reverse().find((p) => !p.ephemeral);
    const since = last ? Math.max(last.create_at, last.update_at || 0) : 0;
    const page = await get(`/channels/${channel.id}/posts?since=${since}`);
    if (this.channel !== channel) return;
    const list = page.order.map((id) => page.posts[id]).sort((a, b) => a.create_at - b.create_at);
    for (const p of list) {
      if (this.byId.has(p.id)) this.update(p);
      else await this.push(p);
    }
  }

  /** Re-reads one post (after an edit, delete or reaction made here). */
  async refresh(id) {
    if (!this.byId.has(id)) return;
    try { this.update(await get(`/posts/${id}?include_deleted=true`)); } catch { /* gone */ }
  }

  remove(id) {
    const p = this.byId.get(id);
    if (!p) return;
    this.update({ ...p, delete_at: Date.now(), message: '', props: {} });
  }
}
