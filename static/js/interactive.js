// Interactive messages: the buttons and select menus of an attachment's `actions`, and the
// dialogs integrations open. A click (or a menu choice) calls
// `POST /api/v4/posts/{post_id}/actions/{action_id}` with `selected_option` and, on an
// ephemeral post, the action's `cookie`; the post's update and the clicker's ephemeral answer
// arrive over the WebSocket, an error is shown beside the actions. An `open_dialog` event opens
// a form (text, textarea, select with static options or users/channels, bool, radio) whose
// submission goes to `POST /api/v4/actions/dialogs/submit`; the integration's field `errors`
// are shown under their fields, and closing it tells the integration when it asked to know.

import { h, dialog, safeImage } from './dom.js';
import { get, post as apiPost } from './api.js';
import { render } from './markdown.js';
import { S, channelLabel } from './store.js';

const STYLES = ['default', 'primary', 'success', 'good', 'warning', 'danger'];
const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The row of an attachment's actions for post `p` (null when there are none). */
export function actionRow(list, p) {
  if (!Array.isArray(list) || !list.length) return null;
  const row = h('div', { class: 'att-actions' });
  const error = h('p', { class: 'att-error', role: 'alert', hidden: true });
  const controls = [];
  const run = async (act, selected, control) => {
    error.hidden = true;
    controls.forEach((c) => { c.disabled = true; });
    try {
      await doAction(p, act, selected);
    } catch (e) {
      error.textContent = `${str(act.name) || 'The action'} failed: ${e.message}`;
      error.hidden = false;
      // A menu goes back to its placeholder, so the same choice can be tried again.
      if (control.tagName === 'SELECT') control.value = '';
    } finally {
      controls.forEach((c) => { c.disabled = !!c.dataset.off; });
    }
  };
  for (const act of list.slice(0, 25)) {
    if (!act || typeof act !== 'object') continue;
    const c = act.type === 'select' ? menu(act, run) : button(act, run);
    if (!act.id || p.pending || p.preview || (p.ephemeral && !act.cookie) || act.disabled) { c.disabled = true; c.dataset.off = '1'; }
    controls.push(c);
    row.append(c);
  }
  return h('div', null, row, error);
}

function button(act, run) {
  const style = str(act.style).toLowerCase();
  const b = h('button', {
    type: 'button',
    class: `action-btn ${STYLES.includes(style) ? style : 'default'}`,
    title: str(act.tooltip) || null,
    onclick: (ev) => run(act, '', ev.currentTarget),
  }, str(act.name));
  if (/^#[0-9a-f]{6}$/i.test(style)) { b.style.color = style; b.style.borderColor = style; }
  return b;
}

function menu(act, run) {
  const placeholder = h('option', { value: '' }, str(act.name) || 'Select an option');
  placeholder.disabled = true;
  const sel = h('select', { class: 'action-menu', 'aria-label': str(act.name) || 'Select an option', title: str(act.tooltip) || null });
  sel.append(placeholder);
  const fill = (options) => {
    for (const o of options) sel.append(h('option', { value: o.value }, o.text));
    const want = str(act.default_option);
    sel.value = want && options.some((o) => o.value === want) ? want : '';
  };
  if (act.data_source === 'users' || act.data_source === 'channels') {
    choices(act.data_source).then(fill).catch(() => {});
  } else {
    fill((Array.isArray(act.options) ? act.options : []).filter((o) => o && typeof o === 'object')
      .map((o) => ({ text: str(o.text), value: str(o.value) })));
  }
  sel.addEventListener('change', () => { if (sel.value) run(act, sel.value, sel); });
  return sel;
}

async function doAction(p, act, selected) {
  const body = { selected_option: selected };
  if (act.cookie) body.cookie = act.cookie;
  await apiPost(`/posts/${encodeURIComponent(p.id)}/actions/${encodeURIComponent(act.id)}`, body);
}

// Users and channels for `data_source` menus, fetched once per team.
const lists = new Map();

/** [{text, value}] for a `data_source` of `users` (the team's members) or `channels` (the
 * team's channels the reader is in or may join). */
export function choices(source) {
  const team = S.team ? S.team.id : '';
  const key = `${source}:${team}`;
  if (!lists.has(key)) {
    const load = source === 'users'
      ? get(`/users?in_team=${encodeURIComponent(team)}&per_page=200`).then((us) => us
        .filter((u) => !u.delete_at)
        .map((u) => ({ text: u.username, value: u.id })))
      : get(`/teams/${encodeURIComponent(team)}/channels?per_page=200`).catch(() => []).then((pub) => {
        const seen = new Map();
        for (const c of [...S.channels, ...pub]) if ((c.type === 'O' || c.type === 'P') && !c.delete_at) seen.set(c.id, c);
        return [...seen.values()].map((c) => ({ text: channelLabel(c), value: c.id }));
      });
    const sorted = load.then((l) => l.sort((a, b) => a.text.localeCompare(b.text)));
    sorted.catch(() => lists.delete(key));
    lists.set(key, sorted);
  }
  return lists.get(key);
}

/** Opens the dialog of an `open_dialog` event's `data.dialog` (a JSON string) for `channel`. */
export function openDialog(raw, channel) {
  let opened;
  try { opened = typeof raw === 'string' ? JSON.parse(raw) : raw; } catch { return; }
  if (!opened || !opened.dialog || typeof opened.url !== 'string') return;
  showForm(opened.url, opened.dialog, channel);
}

function showForm(url, form, channel) {
  const elements = (Array.isArray(form.elements) ? form.elements : []).filter((e) => e && typeof e === 'object' && str(e.name));
  const fields = elements.map((el, k) => field(el, k));
  const general = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, str(form.submit_label) || 'Submit');
  let done = false;
  // The fields scroll; the buttons stay in view below them.
  const body = h('form', { class: 'dialog-form', novalidate: true },
    h('div', { class: 'dialog-fields stack' },
      safeImage(form.icon_url) ? h('img', { class: 'dialog-icon', src: safeImage(form.icon_url), alt: '', width: 32, height: 32, referrerpolicy: 'no-referrer' }) : null,
      str(form.introduction_text) ? h('div', { class: 'dialog-intro' }, render(str(form.introduction_text), {})) : null,
      fields.map((f) => f.el),
      general),
    h('div', { class: 'row dialog-foot' }, submit,
      h('button', { type: 'button', class: 'secondary', onclick: () => d.close() }, 'Cancel')));
  const send = (extra) => apiPost('/actions/dialogs/submit', {
    url, callback_id: str(form.callback_id), state: str(form.state),
    channel_id: channel ? channel.id : '', team_id: (channel && channel.team_id) || (S.team ? S.team.id : ''),
    ...extra,
  });
  const d = dialog(str(form.title) || 'Dialog', body, {
    onClose: () => {
      if (!done && form.notify_on_cancel) send({ cancelled: true, submission: {} }).catch(() => {});
    },
  });
  d.classList.add('interactive');
  body.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    general.hidden = true;
    let bad = false;
    const submission = {};
    for (const f of fields) {
      const [value, problem] = f.read();
      f.show(problem);
      if (problem) bad = true;
      else if (value !== undefined) submission[f.name] = value;
    }
    if (bad) { body.querySelector('[aria-invalid="true"]')?.focus(); return; }
    submit.disabled = true;
    try {
      const r = (await send({ submission, cancelled: false })) || {};
      const errors = r.errors && typeof r.errors === 'object' ? r.errors : {};
      let shown = false;
      for (const f of fields) { const m = str(errors[f.name]); f.show(m); shown = shown || !!m; }
      if (str(r.error)) { general.textContent = str(r.error); general.hidden = false; }
      if (shown || str(r.error)) { body.querySelector('[aria-invalid="true"]')?.focus(); return; }
      done = true;
      d.close();
      if (r.type === 'form' && r.form) showForm(url, r.form, channel);
    } catch (e) {
      general.textContent = `Could not submit: ${e.message}`;
      general.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  const first = body.querySelector('input, textarea, select');
  if (first) first.focus();
  return d;
}

/** One dialog element: {name, el, read() → [value, problem], show(problem)}. */
function field(el, k) {
  const id = `dlg-${Date.now().toString(36)}-${k}`;
  const name = str(el.name);
  const label = str(el.display_name) || name;
  const optional = !!el.optional;
  const help = str(el.help_text) ? h('p', { class: 'help muted small', id: `${id}-help` }, str(el.help_text)) : null;
  const err = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
  const describe = [help && `${id}-help`, `${id}-err`].filter(Boolean).join(' ');
  const title = h('label', { for: id }, label, optional ? h('span', { class: 'muted' }, ' (optional)') : null);
  let input;
  let read;
  const type = str(el.type);
  if (type === 'bool') {
    input = h('input', { type: 'checkbox', id, 'aria-describedby': describe });
    input.checked = /^(true|1|on|yes)$/i.test(str(el.default));
    const wrap = h('div', { class: 'field' }, h('span', { class: 'label' }, label, optional ? h('span', { class: 'muted' }, ' (optional)') : null),
      h('label', { class: 'check-label' }, input, ` ${str(el.placeholder) || label}`));
    // As in Mattermost, a bool that is not optional must be ticked ("I agree").
    read = () => (input.checked || optional ? [input.checked, ''] : [undefined, 'This field is required.']);
    return finish(wrap, input);
  }
  if (type === 'radio') {
    const group = h('div', { role: 'radiogroup', 'aria-labelledby': `${id}-label`, 'aria-describedby': describe, class: 'radios' });
    const opts = (Array.isArray(el.options) ? el.options : []).filter((o) => o && typeof o === 'object');
    for (const [n, o] of opts.entries()) {
      const r = h('input', { type: 'radio', name: id, value: str(o.value), id: `${id}-${n}` });
      if (str(o.value) === str(el.default)) r.checked = true;
      group.append(h('label', { class: 'check-label', for: `${id}-${n}` }, r, ` ${str(o.text)}`));
    }
    input = group;
    read = () => {
      const on = group.querySelector('input:checked');
      if (!on) return [undefined, optional ? '' : 'This field is required.'];
      return [on.value, ''];
    };
    return finish(h('div', { class: 'field' }, h('span', { class: 'label', id: `${id}-label` }, label, optional ? h('span', { class: 'muted' }, ' (optional)') : null), group), group.querySelector('input') || group);
  }
  if (type === 'select') {
    // A multiselect sends the list of values chosen (its default: values separated by commas).
    const multi = !!el.multiselect;
    input = h('select', { id, 'aria-describedby': describe, multiple: multi });
    if (!multi) input.append(h('option', { value: '' }, str(el.placeholder) || 'Select an option'));
    const wanted = multi ? str(el.default).split(',').map((v) => v.trim()).filter(Boolean) : [str(el.default)];
    const fill = (options) => {
      for (const o of options) {
        const opt = h('option', { value: o.value }, o.text);
        if (wanted.includes(o.value)) opt.selected = true;
        input.append(opt);
      }
    };
    if (el.data_source === 'users' || el.data_source === 'channels') choices(el.data_source).then(fill).catch(() => {});
    else fill((Array.isArray(el.options) ? el.options : []).filter((o) => o && typeof o === 'object').map((o) => ({ text: str(o.text), value: str(o.value) })));
    read = () => {
      const values = [...input.selectedOptions].map((o) => o.value).filter(Boolean);
      if (!values.length) return [undefined, optional ? '' : 'This field is required.'];
      return [multi ? values : values[0], ''];
    };
  } else {
    const sub = str(el.subtype);
    if (type === 'textarea') input = h('textarea', { id, rows: 4, 'aria-describedby': describe });
    else input = h('input', { id, type: ['email', 'number', 'tel', 'url', 'password'].includes(sub) ? sub : 'text', 'aria-describedby': describe });
    if (str(el.placeholder)) input.placeholder = str(el.placeholder);
    if (el.max_length > 0) input.maxLength = el.max_length;
    input.value = str(el.default);
    read = () => {
      const v = input.value;
      if (!v.trim()) return [undefined, optional ? '' : 'This field is required.'];
      if (el.min_length > 0 && [...v].length < el.min_length) return [undefined, `Must be at least ${el.min_length} characters.`];
      if (type !== 'textarea' && sub === 'number') {
        const n = Number(v);
        return Number.isFinite(n) ? [n, ''] : [undefined, 'Must be a number.'];
      }
      return [v, ''];
    };
  }
  return finish(h('div', { class: 'field' }, title, input), input);

  function finish(wrap, focusable) {
    if (help) wrap.append(help);
    wrap.append(err);
    const target = focusable || input;
    return {
      name,
      el: wrap,
      read,
      show(problem) {
        err.textContent = problem || '';
        err.hidden = !problem;
        if (problem) target.setAttribute('aria-invalid', 'true'); else target.removeAttribute('aria-invalid');
      },
    };
  }
}
