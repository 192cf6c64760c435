// The thread beside the channel: a region named "Thread" with the root post, its replies and a
// "Reply" box. On a phone it covers the channel until closed.

import { h, replace, toast } from './dom.js';
import { get } from './api.js';
import { ensureUsers, changed } from './store.js';
import { typing } from './live.js';
import { renderPost } from './post.js';
import { composer } from './composer.js';

export class Thread {
  constructor() {
    this.rootId = null;
    this.channel = null;
    this.posts = [];
    this.list = h('div', { class: 'thread-posts', role: 'log', 'aria-label': 'Thread messages' });
    this.box = composer({
      label: 'Reply',
      placeholder: 'Reply to the thread',
      channel: () => this.channel,
      rootId: () => this.rootId,
      onSent: (p) => { this.push(p); changed({ channel_id: p.channel_id }); },
      onEphemeral: (p) => this.push(p),
      onTyping: () => this.channel && typing(this.channel.id, this.rootId),
    });
    this.el = h('section', { class: 'thread', 'aria-label': 'Thread', hidden: true },
      h('header', { class: 'thread-head' }, h('h2', null, 'Thread'),
        h('button', { type: 'button', class: 'icon', 'aria-label': 'Close thread', onclick: () => this.close() }, '×')),
      this.list, this.box.el);
    this.el.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') this.close(); });
  }

  async open(rootId, channel) {
    this.rootId = rootId;
    this.channel = channel;
    this.el.hidden = false;
    document.body.classList.add('thread-open');
    replace(this.list, h('p', { class: 'muted' }, 'Loading…'));
    await this.load();
    this.box.focus();
  }

  async load() {
    const id = this.rootId;
    try {
      const t = await get(`/posts/${id}/thread`);
      if (this.rootId !== id) return;
      const eph = this.posts.filter((p) => p.ephemeral);
      this.posts = t.order.map((k) => t.posts[k]).sort((a, b) => a.create_at - b.create_at).concat(eph);
      await ensureUsers(this.posts.map((p) => p.user_id));
      this.paint();
    } catch (e) {
      replace(this.list, h('p', { role: 'alert' }, `Could not load the thread: ${e.message}`));
    }
  }

  paint() {
    replace(this.list, this.posts.map((p) => renderPost(p, { inThread: true, onReply: () => this.box.focus() })));
    this.list.scrollTop = this.list.scrollHeight;
  }

  push(p) {
    if (!this.rootId || (p.root_id !== this.rootId && p.id !== this.rootId)) return;
    const twin = !p.ephemeral ? -1 : this.posts.findIndex((x) => x.ephemeral && x.message === p.message && Math.abs(x.create_at - p.create_at) < 5000);
    if (twin >= 0) {
      // The live copy of an ephemeral answer replaces the local one (it carries the cookies).
      if (!this.posts[twin].local || p.local) return;
      this.posts[twin] = p;
      this.paint();
      return;
    }
    const k = this.posts.findIndex((x) => x.id === p.id);
    if (k >= 0) this.posts[k] = { ...this.posts[k], ...p }; else this.posts.push(p);
    ensureUsers([p.user_id]).then(() => this.paint()).catch((e) => toast(e.message, 'error'));
  }

  refresh() { if (this.rootId) this.load(); }

  close() {
    this.rootId = null;
    this.posts = [];
    this.el.hidden = true;
    document.body.classList.remove('thread-open');
  }
}
