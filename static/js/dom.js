// Building the page without HTML strings: every user, webhook and translator string becomes a
// text node or an attribute value set through the DOM, so nothing in them is ever parsed as markup.

/** Creates an element: h('a', {href, class: 'x', onclick: fn}, child, 'text', [more]). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'text') el.textContent = v;
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A URL that may become a link or an image: http(s) (and mailto: for links), else null. */
export function safeUrl(raw, { mail = true } = {}) {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  let u;
  try { u = new URL(raw.trim(), location.origin); } catch { return null; }
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  if (mail && u.protocol === 'mailto:') return u.href;
  return null;
}

/** An image URL: only http(s). */
export const safeImage = (raw) => safeUrl(raw, { mail: false });

const two = (n) => String(n).padStart(2, '0');
export const timeOf = (ms) => { const d = new Date(ms); return `${two(d.getHours())}:${two(d.getMinutes())}`; };
export const dayOf = (ms) => new Date(ms).toDateString();
export function dayLabel(ms) {
  const d = new Date(ms), today = new Date();
  const yest = new Date(); yest.setDate(today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yest.toDateString()) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

/** A short-lived message for the person (role=status, polite). */
export function toast(text, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) { box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' }); document.body.append(box); }
  const t = h('div', { class: `toast ${kind}` }, text);
  box.append(t);
  setTimeout(() => t.remove(), 5000);
}

/** Copies text to the clipboard (falls back to selecting it). */
export async function copy(text) {
  try { await navigator.clipboard.writeText(text); toast('Copied'); }
  catch { toast('Copy failed: select the text and copy it by hand', 'error'); }
}

/** A modal dialog built on <dialog>; resolves when closed. */
export function dialog(title, body, { onClose } = {}) {
  const d = h('dialog', { 'aria-label': title, class: 'modal' },
    h('div', { class: 'modal-head' }, h('h2', null, title),
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Close', onclick: () => d.close() }, '×')),
    body);
  d.addEventListener('close', () => { d.remove(); onClose && onClose(); });
  document.body.append(d);
  d.showModal();
  return d;
}
