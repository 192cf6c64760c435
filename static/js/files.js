// Files in posts and in the composer. A post's `metadata.files`: images as thumbnails
// (`/api/v4/files/{id}/thumbnail`, made by the server shortly after the upload, so a missing one
// is asked for again) that open the preview (`/preview`) in a dialog, every file as a download
// link with its name and size. The composer's uploads: files chosen, dropped or pasted are
// sent at once to `POST /api/v4/files` for the channel, listed with their state, and their ids
// go with the post.

import { h, dialog } from './dom.js';
import { api } from './api.js';

const IMAGE = /^image\/(png|jpeg|gif|webp)$/;
const MAX_FILES = 10;

/** "512 B", "3.4 KB", "12.0 MB". */
export function size(n) {
  const b = Number(n) || 0;
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  if (b < 1024 * 1024 * 1024) return `${(b / 1024 / 1024).toFixed(1)} MB`;
  return `${(b / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

const fileUrl = (f, rest = '') => `/api/v4/files/${encodeURIComponent(f.id)}${rest}`;

/** The files of a post. */
export function renderFiles(files) {
  const list = files.filter((f) => f && typeof f === 'object' && typeof f.id === 'string');
  return h('ul', { class: 'files', 'aria-label': 'Files' }, list.map((f) => {
    const name = typeof f.name === 'string' && f.name ? f.name : 'file';
    const image = IMAGE.test(f.mime_type || '') && f.has_preview_image !== false;
    const ext = (f.extension || name.split('.').pop() || '').slice(0, 4).toUpperCase();
    return h('li', { class: image ? 'file image' : 'file' },
      image ? h('button', { type: 'button', class: 'thumb', 'aria-label': `Preview ${name}`, onclick: () => preview(f, name) }, thumbnail(f, name)) : h('span', { class: 'file-ext', 'aria-hidden': 'true' }, ext || 'FILE'),
      h('span', { class: 'file-meta' },
        h('a', { href: fileUrl(f, '?download=1'), download: name, class: 'file-name' }, name),
        h('span', { class: 'muted small' }, size(f.size))));
  }));
}

/** The thumbnail, asked for again a few times while the server is still making it. */
function thumbnail(f, name) {
  const img = h('img', { src: fileUrl(f, '/thumbnail'), alt: name, class: 'file-thumb', loading: 'lazy' });
  let tries = 0;
  img.addEventListener('error', () => {
    if (++tries > 5) { img.replaceWith(h('span', { class: 'file-ext' }, 'IMG')); return; }
    setTimeout(() => { img.src = fileUrl(f, `/thumbnail?try=${tries}`); }, 400 * tries);
  });
  return img;
}

function preview(f, name) {
  const img = h('img', { src: fileUrl(f, '/preview'), alt: name, class: 'file-preview' });
  img.addEventListener('error', () => { img.src = fileUrl(f); }, { once: true });
  dialog(name, h('div', { class: 'stack preview-box' }, img,
    h('p', { class: 'row' }, h('a', { href: fileUrl(f, '?download=1'), download: name }, `Download ${name}`),
      h('span', { class: 'muted small' }, size(f.size)))));
}

/**
 * The composer's uploads for the channel `channel()` returns: `button` opens the file chooser,
 * `list` shows the files, `add(files)` uploads more, `ready()` waits for them and gives their
 * ids, `clear()` forgets them, `count()` says how many there are.
 */
export function uploader(channel, onChange) {
  const input = h('input', { type: 'file', multiple: true, hidden: true, tabindex: '-1', 'aria-hidden': 'true' });
  const button = h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach files', title: 'Attach files', onclick: () => input.click() }, '📎');
  const list = h('ul', { class: 'uploads', 'aria-label': 'Files to send', hidden: true });
  let items = [];
  const changed = () => { list.hidden = !items.length; onChange && onChange(); };

  function add(files) {
    const ch = channel();
    if (!ch) return;
    for (const file of [...files]) {
      if (items.length >= MAX_FILES) { addError(file.name, `At most ${MAX_FILES} files per message.`); break; }
      const it = { name: file.name, info: null, error: '' };
      const state = h('span', { class: 'muted small' }, `${size(file.size)} · uploading…`);
      it.el = h('li', null, h('span', { class: 'file-name' }, file.name), state,
        h('button', { type: 'button', class: 'icon small', 'aria-label': `Remove ${file.name}`, onclick: () => { items = items.filter((x) => x !== it); it.el.remove(); changed(); } }, '×'));
      const form = new FormData();
      form.append('channel_id', ch.id);
      form.append('files', file, file.name);
      it.done = api('POST', '/files', form, { raw: true }).then((r) => {
        it.info = r && r.file_infos && r.file_infos[0];
        state.textContent = size(file.size);
      }, (e) => {
        it.error = e.message;
        state.textContent = `not uploaded: ${e.message}`;
        state.className = 'error small';
      });
      items.push(it);
      list.append(it.el);
    }
    changed();
  }

  function addError(name, why) {
    list.append(h('li', { class: 'error small', role: 'alert' }, `${name}: ${why}`));
    list.hidden = false;
  }

  input.addEventListener('change', () => { add(input.files); input.value = ''; });
  return {
    button, list, input, add,
    count: () => items.length,
    async ready() {
      await Promise.all(items.map((it) => it.done));
      const failed = items.find((it) => it.error);
      if (failed) throw new Error(`${failed.name} was not uploaded (${failed.error}); remove it to send`);
      return items.map((it) => it.info && it.info.id).filter(Boolean);
    },
    clear() { items = []; list.replaceChildren(); changed(); },
  };
}
