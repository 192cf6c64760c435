// Markdown as Mattermost renders messages, built straight into DOM nodes (never through HTML
// strings, so no input can become markup): paragraphs with hard line breaks, headings, fenced
// and indented code, quotes, ordered and unordered lists (nested), tables, rules; inline code,
// bold, italics, strikethrough, links (http, https and mailto only), autolinked URLs, images
// (http(s) only), @mentions, ~channel links and emoji shortcodes (`:smile:`, emoji.js).

import { h, safeUrl, safeImage } from './dom.js';
import { emoji } from './emoji.js';

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const SHORTCODE = /^:([a-z0-9_+-]{1,64}):/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Renders `text` into a new element. `ctx` may carry `channelLink(name)` → href for ~channel
 * and `mentionClass(name)` → extra class for @mentions (e.g. the reader's own name).
 */
export function render(text, ctx = {}) {
  const root = h('div', { class: 'md' });
  blocks(String(text || '').replace(/\r\n?/g, '\n').split('\n'), root, ctx, 0);
  return root;
}

function blocks(lines, parent, ctx, depth) {
  if (depth > 8) { parent.append(h('p', null, lines.join('\n'))); return; }
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    let m;
    if ((m = line.match(FENCE))) {
      const fence = m[1], lang = m[2];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++;
      const code = h('code', lang ? { class: `language-${lang}` } : null, body.join('\n'));
      parent.append(h('pre', null, code));
      continue;
    }
    if ((m = line.match(HEADING))) {
      const el = h(`h${m[1].length}`);
      inline(m[2], el, ctx);
      parent.append(el);
      i++;
      continue;
    }
    if (RULE.test(line)) { parent.append(h('hr')); i++; continue; }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && lines[i].trim() && (m = lines[i].match(QUOTE))) { body.push(m[1]); i++; }
      const q = h('blockquote');
      blocks(body, q, ctx, depth + 1);
      parent.append(q);
      continue;
    }
    if ((m = line.match(ITEM))) { i = list(lines, i, parent, ctx, depth); continue; }
    if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) {
        body.push(lines[i].replace(/^( {4}|\t)/, ''));
        i++;
      }
      while (body.length && !body[body.length - 1].trim()) body.pop();
      parent.append(h('pre', null, h('code', null, body.join('\n'))));
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      i = table(lines, i, parent, ctx);
      continue;
    }
    // A paragraph: until a blank line or the start of another block.
    const body = [line];
    i++;
    while (i < lines.length && lines[i].trim() && !startsBlock(lines, i)) body.push(lines[i++]);
    const p = h('p');
    body.forEach((l, n) => {
      if (n) p.append(h('br'));
      inline(l, p, ctx);
    });
    parent.append(p);
  }
}

function startsBlock(lines, i) {
  const l = lines[i];
  return FENCE.test(l) || HEADING.test(l) || RULE.test(l) || QUOTE.test(l) || ITEM.test(l) ||
    (l.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-'));
}

function list(lines, i, parent, ctx, depth) {
  const first = lines[i].match(ITEM);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const el = h(ordered ? 'ol' : 'ul');
  if (ordered) {
    const start = parseInt(first[2], 10);
    if (start !== 1) el.setAttribute('start', String(start));
  }
  while (i < lines.length) {
    const m = lines[i].match(ITEM);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const body = [m[3]];
    i++;
    // The item's further lines: indented deeper than its marker, or blank lines inside it.
    while (i < lines.length) {
      const l = lines[i];
      if (!l.trim()) {
        if (i + 1 < lines.length && lines[i + 1].match(/^\s*/)[0].length > indent) { body.push(''); i++; continue; }
        break;
      }
      const lead = l.match(/^\s*/)[0].length;
      if (lead > indent) { body.push(l.slice(Math.min(lead, indent + 2))); i++; continue; }
      if (ITEM.test(l) || startsBlock(lines, i)) break;
      body.push(l); // lazy continuation
      i++;
    }
    const li = h('li');
    const task = body[0].match(/^\[( |x|X)\]\s+(.*)$/);
    if (task) {
      li.append(h('input', { type: 'checkbox', disabled: true, checked: task[1] !== ' ', 'aria-label': task[1] !== ' ' ? 'done' : 'not done' }), ' ');
      body[0] = task[2];
    }
    if (body.length === 1) inline(body[0], li, ctx);
    else {
      const inner = h('div');
      blocks(body, inner, ctx, depth + 1);
      // A tight item: its first paragraph's content inline.
      const firstP = inner.firstElementChild;
      if (firstP && firstP.tagName === 'P') { li.append(...firstP.childNodes); firstP.remove(); }
      li.append(...inner.childNodes);
    }
    el.append(li);
  }
  parent.append(el);
  return i;
}

function cells(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const out = [];
  let cur = '';
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\\' && s[k + 1] === '|') { cur += '|'; k++; } else if (s[k] === '|') { out.push(cur.trim()); cur = ''; } else cur += s[k];
  }
  out.push(cur.trim());
  return out;
}

function table(lines, i, parent, ctx) {
  const head = cells(lines[i]);
  const align = cells(lines[i + 1]).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : ''));
  i += 2;
  const thead = h('thead', null, h('tr', null, head.map((c, k) => {
    const th = h('th', align[k] ? { class: `align-${align[k]}` } : null);
    inline(c, th, ctx);
    return th;
  })));
  const tbody = h('tbody');
  while (i < lines.length && lines[i].trim() && lines[i].includes('|')) {
    const row = cells(lines[i++]);
    tbody.append(h('tr', null, head.map((_, k) => {
      const td = h('td', align[k] ? { class: `align-${align[k]}` } : null);
      inline(row[k] || '', td, ctx);
      return td;
    })));
  }
  parent.append(h('div', { class: 'table-wrap' }, h('table', null, thead, tbody)));
  return i;
}

const URL_RE = /^(https?:\/\/[^\s<]*[^\s<.,:;"')\]!?*_~])/;
const WWW_RE = /^(www\.[^\s<]*[^\s<.,:;"')\]!?*_~])/;
const MENTION_RE = /^@([a-z0-9][a-z0-9._-]*[a-z0-9_]|[a-z0-9])/i;
const CHANNEL_RE = /^~([a-z0-9][a-z0-9_-]*)/i;

/** Finds the `]` closing a `[` at `start`, minding nesting and code spans. */
function closeBracket(s, start) {
  let depth = 0;
  for (let k = start; k < s.length; k++) {
    const c = s[k];
    if (c === '\\') { k++; continue; }
    if (c === '`') { const e = s.indexOf('`', k + 1); if (e > 0) { k = e; continue; } }
    if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return k;
  }
  return -1;
}

/** Reads `(url "title")` at `start`; returns [url, end] or null. */
function linkTarget(s, start) {
  if (s[start] !== '(') return null;
  let depth = 0;
  for (let k = start; k < s.length; k++) {
    if (s[k] === '(') depth++;
    else if (s[k] === ')' && --depth === 0) {
      let inner = s.slice(start + 1, k).trim();
      const titled = inner.match(/^(\S+)\s+["'(].*["')]$/);
      if (titled) inner = titled[1];
      if (inner.startsWith('<') && inner.endsWith('>')) inner = inner.slice(1, -1);
      return [inner, k + 1];
    }
  }
  return null;
}

const EMPHASIS = [
  ['**', 'strong'], ['__', 'strong'], ['~~', 'del'], ['*', 'em'], ['_', 'em'],
];

/** Appends the inline content of `s` to `parent`. */
export function inline(s, parent, ctx, depth = 0) {
  let text = '';
  const flush = () => { if (text) { parent.append(text); text = ''; } };
  let i = 0;
  const wordBefore = (k) => k > 0 && /[\p{L}\p{N}_]/u.test(s[k - 1]);
  while (i < s.length) {
    const c = s[i];
    const rest = s.slice(i);
    if (c === '\\' && i + 1 < s.length && /[\\`*_{}[\]()#+\-.!~|>@<]/.test(s[i + 1])) { text += s[i + 1]; i += 2; continue; }
    if (c === '`') {
      const run = rest.match(/^`+/)[0];
      const end = s.indexOf(run, i + run.length);
      if (end > 0) {
        flush();
        parent.append(h('code', null, s.slice(i + run.length, end).replace(/^ (.*) $/, '$1')));
        i = end + run.length;
        continue;
      }
    }
    if (depth < 6 && (c === '[' || (c === '!' && s[i + 1] === '['))) {
      const img = c === '!';
      const open = img ? i + 1 : i;
      const close = closeBracket(s, open);
      const target = close > 0 ? linkTarget(s, close + 1) : null;
      if (target) {
        const label = s.slice(open + 1, close);
        flush();
        if (img) {
          const src = safeImage(target[0]);
          if (src) parent.append(h('img', { src, alt: label, loading: 'lazy', referrerpolicy: 'no-referrer', class: 'md-img' }));
          else parent.append(label);
        } else {
          const href = safeUrl(target[0]) || channelHref(target[0]);
          if (href) {
            const a = h('a', { href, target: '_blank', rel: 'noopener noreferrer' });
            inline(label, a, ctx, depth + 1);
            parent.append(a);
          } else inline(label, parent, ctx, depth + 1);
        }
        i = target[1];
        continue;
      }
    }
    if (c === '<') {
      const m = rest.match(/^<((?:https?|mailto):[^\s>]+)>/i);
      if (m) {
        const href = safeUrl(m[1]);
        flush();
        parent.append(href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, m[1]) : m[1]);
        i += m[0].length;
        continue;
      }
    }
    if ((c === 'h' || c === 'H' || c === 'w' || c === 'W') && !wordBefore(i)) {
      const m = rest.match(URL_RE) || rest.match(WWW_RE);
      if (m) {
        const href = safeUrl(m[1].startsWith('www.') ? `http://${m[1]}` : m[1]);
        flush();
        parent.append(href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, m[1]) : m[1]);
        i += m[1].length;
        continue;
      }
    }
    if (c === '@' && !wordBefore(i)) {
      const m = rest.match(MENTION_RE);
      if (m) {
        flush();
        const extra = ctx.mentionClass ? ctx.mentionClass(m[1]) : '';
        parent.append(h('span', { class: `mention ${extra || ''}`.trim() }, `@${m[1]}`));
        i += m[0].length;
        continue;
      }
    }
    if (c === '~' && s[i + 1] !== '~' && !wordBefore(i)) {
      const m = rest.match(CHANNEL_RE);
      if (m && ctx.channelLink) {
        flush();
        parent.append(h('a', { href: ctx.channelLink(m[1].toLowerCase()), class: 'channel-link', 'data-internal': '' }, `~${m[1]}`));
        i += m[0].length;
        continue;
      }
    }
    if (c === ':' && !wordBefore(i)) {
      const m = rest.match(SHORTCODE);
      const glyph = m && !/[\p{L}\p{N}]/u.test(s[i + m[0].length] || '') && emoji(m[1]);
      if (glyph) {
        flush();
        parent.append(h('span', { class: 'emoji', title: m[0], role: 'img', 'aria-label': m[0] }, glyph));
        i += m[0].length;
        continue;
      }
    }
    if (depth < 6 && (c === '*' || c === '_' || c === '~')) {
      let done = false;
      for (const [mark, tag] of EMPHASIS) {
        if (!rest.startsWith(mark)) continue;
        // Intra-word underscores are not emphasis (snake_case stays as it is).
        if (mark[0] === '_' && wordBefore(i)) continue;
        const start = i + mark.length;
        if (start >= s.length || s[start] === ' ') continue;
        let k = start + 1;
        let found = -1;
        while ((k = s.indexOf(mark, k)) > 0) {
          const ok = s[k - 1] !== ' ' && s[k - 1] !== '\\' &&
            !(mark.length === 1 && s[k + 1] === mark) &&
            !(mark[0] === '_' && /[\p{L}\p{N}]/u.test(s[k + mark.length] || ''));
          if (ok) { found = k; break; }
          k++;
        }
        if (found < 0) continue;
        flush();
        const el = h(tag);
        inline(s.slice(start, found), el, ctx, depth + 1);
        parent.append(el);
        i = found + mark.length;
        done = true;
        break;
      }
      if (done) continue;
    }
    text += c;
    i++;
  }
  flush();
}

/** `~name` style targets inside [label](~name) are not links; plain relative paths are. */
function channelHref(target) {
  if (/^\/(?!\/)[\w\-./@~%]*$/.test(target)) return target;
  return null;
}
