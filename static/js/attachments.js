// Slack message attachments as Mattermost shows them: a colour bar, pretext above the box, the
// author (icon, name, link), the title (a link when title_link is set), Markdown text, short
// fields side by side and long ones on their own row, an image and a thumbnail, and a footer
// with its icon and time, then the actions (buttons and menus, `interactive.js`). Every string
// is text or sanitised Markdown; URLs only http(s).

import { h, safeUrl, safeImage } from './dom.js';
import { render } from './markdown.js';
import { actionRow } from './interactive.js';

const NAMED = { good: '#00c100', warning: '#dede01', danger: '#e40303' };

function color(c) {
  if (typeof c !== 'string') return null;
  const v = NAMED[c.toLowerCase()] || c;
  return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(v) ? v : null;
}

const str = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

function link(url, ...children) {
  const href = safeUrl(url);
  return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, ...children) : h('span', null, ...children);
}

function img(url, attrs) {
  const src = safeImage(url);
  return src ? h('img', { src, loading: 'lazy', referrerpolicy: 'no-referrer', ...attrs }) : null;
}

/** The elements for the `props.attachments` of post `p`. */
export function attachments(list, ctx, p) {
  if (!Array.isArray(list)) return null;
  return h('div', { class: 'attachments' }, list.slice(0, 100).filter((a) => a && typeof a === 'object').map((a) => one(a, ctx, p)));
}

function one(a, ctx, p) {
  const out = h('div', { class: 'attachment' });
  if (str(a.pretext)) out.append(h('div', { class: 'att-pretext' }, render(str(a.pretext), ctx)));
  const box = h('div', { class: 'att-box' });
  const c = color(a.color);
  if (c) box.style.borderLeftColor = c;
  const body = h('div', { class: 'att-body' });
  const thumb = img(a.thumb_url, { class: 'att-thumb', alt: '' });
  if (thumb) body.append(thumb);
  if (str(a.author_name)) {
    body.append(h('div', { class: 'att-author' },
      img(a.author_icon, { class: 'att-author-icon', alt: '', width: 16, height: 16 }),
      link(a.author_link, str(a.author_name))));
  }
  if (str(a.title)) body.append(h('h4', { class: 'att-title' }, link(a.title_link, str(a.title))));
  if (str(a.text)) body.append(h('div', { class: 'att-text' }, render(str(a.text), ctx)));
  if (Array.isArray(a.fields) && a.fields.length) {
    const grid = h('div', { class: 'att-fields' });
    for (const f of a.fields.slice(0, 100)) {
      if (!f || typeof f !== 'object') continue;
      grid.append(h('div', { class: f.short ? 'att-field short' : 'att-field' },
        h('div', { class: 'att-field-title' }, str(f.title)),
        h('div', { class: 'att-field-value' }, render(str(f.value), ctx))));
    }
    body.append(grid);
  }
  const image = img(a.image_url, { class: 'att-image', alt: str(a.fallback) || '' });
  if (image) body.append(h('div', null, image));
  const ts = Number(a.ts);
  if (str(a.footer) || ts) {
    body.append(h('div', { class: 'att-footer' },
      img(a.footer_icon, { class: 'att-footer-icon', alt: '', width: 16, height: 16 }),
      str(a.footer) ? h('span', null, str(a.footer)) : null,
      ts ? h('time', { datetime: new Date(ts * 1000).toISOString() }, `${str(a.footer) ? ' · ' : ''}${new Date(ts * 1000).toLocaleString()}`) : null));
  }
  const actions = p ? actionRow(a.actions, p) : null;
  if (actions) body.append(actions);
  box.append(body);
  out.append(box);
  return out;
}
