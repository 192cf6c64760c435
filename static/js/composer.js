// The message box: Enter sends, Shift+Enter starts a new line; a leading `/` opens a listbox of
// the team's slash commands (built-in and custom, with their hints) and runs the command
// through `POST /commands/execute`, whose ephemeral answer is shown to the sender only. Files
// (chosen with the paperclip, dropped or pasted) are uploaded at once and sent with the post.

import { h, toast } from './dom.js';
import { S, loadCommands, changed } from './store.js';
import { get, post } from './api.js';
import { uploader } from './files.js';

let seq = 0;

/**
 * `opts`: label ("Message" or "Reply"), channel (getter), rootId (getter), onEphemeral(post),
 * onSent(post), onTyping().
 */
export function composer(opts) {
  const id = `ac-${++seq}`;
  const list = h('ul', { role: 'listbox', id, class: 'autocomplete', 'aria-label': 'Slash commands', hidden: true });
  const area = h('textarea', {
    'aria-label': opts.label, rows: 1, placeholder: opts.placeholder || `Write to ${opts.label === 'Reply' ? 'the thread' : 'the channel'}`,
    'aria-controls': id, 'aria-autocomplete': 'list', autocomplete: 'off',
  });
  const send = h('button', { type: 'submit', class: 'send' }, 'Send');
  const up = uploader(opts.channel);
  const files = S.config.EnableFileAttachments !== 'false';
  const form = h('form', { class: 'composer' }, list, files ? [up.list, up.input] : null,
    h('div', { class: 'composer-row' }, files ? up.button : null, area, send));
  if (files) {
    form.addEventListener('dragover', (ev) => { if (ev.dataTransfer.types.includes('Files')) ev.preventDefault(); });
    form.addEventListener('drop', (ev) => { if (ev.dataTransfer.files.length) { ev.preventDefault(); up.add(ev.dataTransfer.files); } });
    area.addEventListener('paste', (ev) => { if (ev.clipboardData && ev.clipboardData.files.length) { ev.preventDefault(); up.add(ev.clipboardData.files); } });
  }
  let items = [];
  let active = -1;
  let sending = false;

  const close = () => { list.hidden = true; items = []; active = -1; area.removeAttribute('aria-activedescendant'); };
  const highlight = (n) => {
    active = n;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', k === n ? 'true' : 'false'));
    if (n >= 0 && list.children[n]) {
      area.setAttribute('aria-activedescendant', list.children[n].id);
      list.children[n].scrollIntoView({ block: 'nearest' });
    }
  };
  const choose = (n) => {
    const it = items[n];
    if (!it) return;
    area.value = `${it.value} `;
    close();
    area.focus();
    suggest();
  };

  async function suggest() {
    const v = area.value;
    if (!v.startsWith('/') || v.includes('\n')) { close(); return; }
    const space = v.indexOf(' ');
    let found = [];
    if (space < 0) {
      const word = v.slice(1).toLowerCase();
      const cmds = await loadCommands();
      found = cmds.filter((c) => c.trigger.toLowerCase().startsWith(word)).map((c) => ({
        value: `/${c.trigger}`, hint: c.auto_complete_hint || '', desc: c.auto_complete_desc || c.description || '',
      }));
    } else {
      try {
        const ch = opts.channel();
        const q = new URLSearchParams({ user_input: v, channel_id: ch ? ch.id : '', team_id: S.team.id });
        const sugg = await get(`/teams/${S.team.id}/commands/autocomplete_suggestions?${q}`);
        found = (sugg || []).map((s) => ({ value: `/${s.Complete}`, hint: s.Hint || '', desc: s.Description || '', label: s.Suggestion }));
      } catch { found = []; }
    }
    if (area.value !== v) return; // typed on meanwhile
    items = found.slice(0, 50);
    if (!items.length) { close(); return; }
    list.replaceChildren(...items.map((it, k) => h('li', {
      role: 'option', id: `${id}-${k}`, 'aria-selected': 'false', 'aria-label': it.label ? `${it.label}` : it.value,
      onmousedown: (ev) => { ev.preventDefault(); choose(k); },
    }, h('span', { class: 'ac-cmd' }, it.label || it.value), it.hint ? h('span', { class: 'ac-hint' }, ` ${it.hint}`) : null,
    it.desc ? h('span', { class: 'ac-desc' }, it.desc) : null)));
    list.hidden = false;
    highlight(0);
  }

  area.addEventListener('input', () => {
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, 200)}px`;
    suggest();
    if (opts.onTyping && area.value && !area.value.startsWith('/')) opts.onTyping();
  });
  area.addEventListener('keydown', (ev) => {
    if (!list.hidden && items.length) {
      if (ev.key === 'ArrowDown') { ev.preventDefault(); highlight((active + 1) % items.length); return; }
      if (ev.key === 'ArrowUp') { ev.preventDefault(); highlight((active - 1 + items.length) % items.length); return; }
      if (ev.key === 'Tab' || (ev.key === 'Enter' && !ev.shiftKey && active >= 0 && `${items[active].value}` !== area.value.trim())) {
        ev.preventDefault(); choose(active); return;
      }
      if (ev.key === 'Escape') { ev.preventDefault(); close(); return; }
    }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); submit(); }
  });
  area.addEventListener('blur', () => setTimeout(close, 150));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });

  async function submit() {
    const text = area.value.trim();
    const ch = opts.channel();
    if ((!text && !up.count()) || !ch || sending) return;
    sending = true;
    close();
    try {
      if (text.startsWith('/') && !text.startsWith('//')) await command(text, ch);
      else {
        const fileIds = await up.ready();
        const p = await post('/posts', { channel_id: ch.id, message: area.value.replace(/\s+$/, ''), root_id: opts.rootId() || '', file_ids: fileIds });
        up.clear();
        opts.onSent && opts.onSent(p);
      }
      area.value = '';
      area.style.height = 'auto';
    } catch (e) {
      toast(`Not sent: ${e.message}`, 'error');
    } finally {
      sending = false;
      area.focus();
    }
  }

  async function command(text, ch) {
    const r = await post('/commands/execute', { command: text, channel_id: ch.id, team_id: S.team.id, root_id: opts.rootId() || '' });
    const hasBody = r && (r.text || (Array.isArray(r.attachments) && r.attachments.length));
    if (hasBody && (r.response_type || 'ephemeral') === 'ephemeral') {
      const props = {};
      if (r.attachments) props.attachments = r.attachments;
      if (r.username) props.override_username = r.username;
      if (r.icon_url) props.override_icon_url = r.icon_url;
      opts.onEphemeral && opts.onEphemeral({
        id: `eph-${Date.now()}-${++seq}`, ephemeral: true, local: true, channel_id: ch.id, root_id: opts.rootId() || '',
        user_id: '', create_at: Date.now(), edit_at: 0, delete_at: 0, message: r.text || '', props,
      });
    }
    if (r && r.goto_location) {
      try {
        const u = new URL(r.goto_location, location.origin);
        if (u.origin === location.origin) { history.pushState(null, '', u.pathname); dispatchEvent(new PopStateEvent('popstate')); } else if (u.protocol === 'https:' || u.protocol === 'http:') window.open(u.href, '_blank', 'noopener');
      } catch { /* not a URL */ }
    }
    changed({ channel_id: ch.id });
  }

  return { el: form, focus: () => area.focus(), area };
}
