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
const OLDER = 200;
const WINDOW = 200;
const STEP = 60;
const EDGE = 600;

/** A channel's newest page of posts, with their authors known. */
export async function firstPage(channelId) {
  const page = await get(`/channels/${channelId}/posts?page=0&per_page=${PAGE}`);
  await ensureUsers(page.order.map((id) => page.posts[id].user_id));
  return page;
}

export class MessageList {
  constructor({ onReply }) {
    this.onReply = onReply;
    this.el = h('div', { role: 'log', 'aria-label': 'Messages', class: 'log', tabindex: '0', 'aria-live': 'polite' });
    this.posts = [];
    this.byId = new Map();
    this.cache = new Map();
    this.seps = new Map();
    this.lo = 0;
    this.hi = 0;
    this.hasOlder = false;
    this.loading = false;
    this.channel = null;
    this.el.addEventListener('scroll', () => this.onScroll(), { passive: true });
  }

  /** Shows `channel`, with its newest page (`page`, from `firstPage`, when already loaded). */
  async open(channel, page = null) {
    this.channel = channel;
    this.posts = [];
    this.byId.clear();
    this.cache.clear();
    this.seps.clear();
    if (!page) {
      this.el.replaceChildren(h('p', { class: 'muted loading' }, 'Loading…'));
      page = await firstPage(channel.id);
    }
    if (this.channel !== channel) return;
    const list = page.order.map((id) => page.posts[id]).reverse();
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

  /** The nodes of post k: a day separator when its day differs from the previous post's,
   * then its article (grouped under the previous one when the same author wrote on). Both
   * depend only on posts k-1 and k, so they are kept and reused as the window slides. */
  unit(k) {
    const p = this.posts[k];
    const prev = k > 0 ? this.posts[k - 1] : null;
    const nodes = [];
    if (!prev || dayOf(prev.create_at) !== dayOf(p.create_at)) {
      let sep = this.seps.get(p.id);
      if (!sep) {
        sep = h('div', { class: 'day', role: 'separator', 'aria-label': dayLabel(p.create_at) }, h('span', null, dayLabel(p.create_at)));
        this.seps.set(p.id, sep);
      }
      nodes.push(sep);
    }
    const a = this.articleFor(p);
    const grouped = prev && prev.user_id === p.user_id && !p.ephemeral && !prev.ephemeral &&
      p.create_at - prev.create_at < 5 * 60 * 1000 && dayOf(prev.create_at) === dayOf(p.create_at) &&
      !(p.props && p.props.from_webhook) && !(prev.props && prev.props.from_webhook) && !p.root_id && !prev.root_id;
    a.classList.toggle('grouped', !!grouped);
    nodes.push(a);
    return nodes;
  }

  intro() {
    if (!this.introEl || this.introEl.channel !== this.channel) {
      this.introEl = h('div', { class: 'intro' }, h('h2', null, `Beginning of ${this.channel.display_name || 'this conversation'}`),
        this.channel.purpose ? h('p', null, this.channel.purpose) : null);
      this.introEl.channel = this.channel;
    }
    return this.introEl;
  }

  /** Renders posts [lo, hi) afresh, keeping the first visible post in place. */
  paint() {
    const anchor = this.anchor();
    const nodes = [];
    if (this.lo === 0 && !this.hasOlder && this.channel) nodes.push(this.intro());
    for (let k = this.lo; k < this.hi; k++) nodes.push(...this.unit(k));
    if (!this.posts.length) nodes.push(h('p', { class: 'muted empty' }, 'No messages yet.'));
    this.el.replaceChildren(...nodes);
    if (anchor) this.restore(anchor);
  }

  /** Moves the window to [lo, hi), adding and removing only the posts that enter or leave. */
  slide(lo, hi) {
    if (hi <= this.lo || lo >= this.hi) { this.lo = lo; this.hi = hi; this.paint(); return; }
    const anchor = this.anchor();
    const drop = (k) => { for (const n of this.unit(k)) n.remove(); };
    for (let k = this.lo; k < lo; k++) drop(k);
    for (let k = hi; k < this.hi; k++) drop(k);
    if (lo < this.lo) {
      const cur = this.unit(this.lo);
      const art = cur[cur.length - 1];
      const add = [];
      for (let k = lo; k < this.lo; k++) add.push(...this.unit(k));
      (cur.length === 2 && cur[0].isConnected ? cur[0] : art).before(...add);
      if (cur.length === 2 && !cur[0].isConnected) art.before(cur[0]);
    }
    if (lo > this.lo) {
      const now = this.unit(lo);
      if (now.length === 2 && !now[0].isConnected) now[1].before(now[0]);
    }
    if (hi > this.hi) {
      const add = [];
      for (let k = this.hi; k < hi; k++) add.push(...this.unit(k));
      this.el.append(...add);
    }
    this.lo = lo;
    this.hi = hi;
    const wantIntro = lo === 0 && !this.hasOlder;
    if (wantIntro && !this.intro().isConnected) this.el.prepend(this.intro());
    if (!wantIntro && this.introEl && this.introEl.isConnected) this.introEl.remove();
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
        const lo = Math.max(0, this.lo - STEP);
        this.slide(lo, Math.min(this.hi, lo + WINDOW));
      } else if (this.hasOlder) {
        await this.older();
      }
    } else if (e.scrollHeight - e.scrollTop - e.clientHeight < EDGE && this.hi < this.posts.length) {
      const hi = Math.min(this.posts.length, this.hi + STEP);
      this.slide(Math.max(0, hi - WINDOW), hi);
    }
  }

  async older() {
    const channel = this.channel;
    const first = this.posts[0];
    if (!first) return;
    this.loading = true;
    try {
      const page = await get(`/channels/${channel.id}/posts?before=${first.id}&per_page=${OLDER}`);
      if (this.channel !== channel) return;
      const list = page.order.map((id) => page.posts[id]).filter((p) => !this.byId.has(p.id)).reverse();
      await ensureUsers(list.map((p) => p.user_id));
      this.hasOlder = page.order.length >= OLDER;
      for (const p of list) this.byId.set(p.id, p);
      // The old first post's separator depends on the post before it, which is new.
      const oldFirst = this.posts[0];
      if (oldFirst) this.seps.delete(oldFirst.id);
      const oldSep = this.el.querySelector('.day');
      if (oldSep && oldSep.nextElementSibling === this.cache.get(oldFirst.id)) oldSep.remove();
      this.posts.unshift(...list);
      this.lo += list.length;
      this.hi += list.length;
      const lo = Math.max(0, this.lo - STEP);
      this.slide(lo, Math.min(this.hi, lo + WINDOW));
    } finally {
      this.loading = false;
    }
  }

  /** A new post arrived (or one of ours, or an ephemeral answer). */
  async push(p) {
    if (!this.channel || p.channel_id !== this.channel.id) return;
    if (this.byId.has(p.id)) { this.update(p); return; }
    // A command's ephemeral answer comes both in its response and as a live event; the live
    // one wins, as only it carries its actions' cookies.
    const twin = p.ephemeral && this.posts.find((x) => x.ephemeral && x.message === p.message && Math.abs(x.create_at - p.create_at) < 5000);
    if (twin) { if (twin.local && !p.local) this.replaceLocal(twin, p); return; }
    await ensureUsers([p.user_id]);
    // The same post may have come meanwhile (our own send answers while its live event arrives).
    if (this.channel.id !== p.channel_id) return;
    if (this.byId.has(p.id)) { this.update(p); return; }
    const stick = this.atBottom();
    const atEnd = this.hi === this.posts.length;
    this.add(p);
    if (atEnd) {
      this.hi = this.posts.length;
      if (stick && this.hi - this.lo > WINDOW) this.lo = this.hi - WINDOW;
      this.paint();
      if (stick || (S.me && p.user_id === S.me.id)) this.toBottom();
    }
    // A reply raises its root's count (an ephemeral answer is no reply).
    if (p.root_id && !p.ephemeral && this.byId.has(p.root_id)) {
      const root = this.byId.get(p.root_id);
      root.reply_count = (root.reply_count || 0) + 1;
      this.update(root);
    }
  }

  /** Puts the live copy `p` of an ephemeral answer in the place of the one built locally. */
  replaceLocal(local, p) {
    this.posts[this.posts.indexOf(local)] = p;
    this.byId.delete(local.id);
    this.byId.set(p.id, p);
    const before = this.cache.get(local.id);
    this.cache.delete(local.id);
    if (before && before.isConnected) {
      const a = this.articleFor(p);
      a.className = before.className;
      before.replaceWith(a);
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
