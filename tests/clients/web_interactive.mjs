// Interactive messages and emoji in the web client, in a real browser: Debian's Chromium driven
// by puppeteer-core against a real Perch server, with a real integration (an HTTP server in
// this script on 127.0.0.1, which the server is configured to reach) answering clicks and
// dialog submissions. Usage:
//
//   node web_interactive.mjs NODE_MODULES_DIR BASE_URL SHOTS_DIR
//
// BASE_URL is a fresh server (no accounts). A webhook posts buttons and menus (static options,
// users, channels); the browser picks from the menus and clicks the buttons and sees the post
// updated live and the integration's ephemeral answers, and a failing action's error. A slash
// command opens a dialog through its trigger id and answers with an ephemeral button (an action
// cookie); the browser fills the dialog, sees the required-field check and the integration's
// field errors, submits it, cancels a second one. Emoji shortcodes render as emoji in messages,
// attachments and reactions. Screenshots go to SHOTS_DIR. Exits non-zero at the first problem.

import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';

const [modules, base, shots] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const puppeteer = require('puppeteer-core');
fs.mkdirSync(shots, { recursive: true });

const API = `${base}/api/v4`;
const fail = (msg) => { throw new Error(msg); };
const aria = (role, name) => `::-p-aria([name="${name}"][role="${role}"])`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rest(method, p, token, body) {
  const r = await fetch(`${API}${p}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) fail(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function loginToken(login_id, password) {
  const r = await fetch(`${API}/users/login`, { method: 'POST', body: JSON.stringify({ login_id, password }) });
  if (!r.ok) fail(`login ${login_id}: ${r.status}`);
  return r.headers.get('token');
}

// The integration: every call is recorded by path; answers as a real one would.
const calls = [];
let receiver = '';
const receiverServer = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', async () => {
    const body = req.headers['content-type']?.startsWith('application/json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
    calls.push({ path: req.url, body });
    const json = (status, v) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(v)); };
    const ctx = body.context || {};
    switch (req.url) {
      case '/env': return json(200, {
        update: { message: `Deploy build ${ctx.build} to ${ctx.selected_option}? :rocket:` },
        ephemeral_text: `Environment set to ${ctx.selected_option}`,
      });
      case '/reviewer': return json(200, { ephemeral_text: `Reviewer chosen: ${ctx.selected_option}` });
      case '/channel': return json(200, { ephemeral_text: `Announcing in ${ctx.selected_option}` });
      case '/broken': return json(500, { nope: true });
      case '/approve': return json(200, {
        update: { message: `Approved by @${body.user_name} :white_check_mark:`, props: {} },
        ephemeral_text: `You approved build ${ctx.build}`,
      });
      case '/preset': return json(200, { ephemeral_text: 'Preset applied' });
      case '/command': {
        const r = await fetch(`${API}/actions/dialogs/open`, {
          method: 'POST', body: JSON.stringify({ trigger_id: body.trigger_id, url: `${receiver}/dialog`, dialog: DIALOG }),
        });
        if (!r.ok) calls.push({ path: 'dialog-open-failed', body: await r.text() });
        return json(200, {
          response_type: 'ephemeral', text: 'Opening the deploy form',
          attachments: [{ text: 'Or reuse the last settings', actions: [{ id: 'preset', name: 'Use last settings', integration: { url: `${receiver}/preset` } }] }],
        });
      }
      case '/dialog':
        if (body.cancelled) return json(200, {});
        if (body.submission.version !== '1.2.3') return json(200, { errors: { version: 'No such version' } });
        return json(200, {});
      default: return json(404, {});
    }
  });
});
await new Promise((r) => receiverServer.listen(0, '127.0.0.1', r));
receiver = `http://127.0.0.1:${receiverServer.address().port}`;
const callsTo = (p) => calls.filter((c) => c.path === p);

const DIALOG = {
  callback_id: 'deploy-form', title: 'Deploy', submit_label: 'Deploy', notify_on_cancel: true, state: 'build-42',
  introduction_text: 'Ship **build 42** :rocket:',
  elements: [
    { display_name: 'Version', name: 'version', type: 'text', placeholder: '1.2.3', help_text: 'A released version' },
    { display_name: 'Replicas', name: 'replicas', type: 'text', subtype: 'number', default: '3' },
    { display_name: 'Notes', name: 'notes', type: 'textarea', optional: true },
    { display_name: 'Environment', name: 'env', type: 'select', options: [{ text: 'Staging', value: 'staging' }, { text: 'Production', value: 'prod' }] },
    { display_name: 'Approver', name: 'approver', type: 'select', data_source: 'users' },
    { display_name: 'Announce in', name: 'announce', type: 'select', data_source: 'channels', optional: true },
    { display_name: 'Regions', name: 'regions', type: 'select', multiselect: true, default: 'eu', options: [{ text: 'Europe', value: 'eu' }, { text: 'America', value: 'us' }, { text: 'Asia', value: 'ap' }] },
    { display_name: 'Strategy', name: 'strategy', type: 'radio', options: [{ text: 'Rolling', value: 'rolling' }, { text: 'All at once', value: 'all' }], default: 'rolling' },
    { display_name: 'Confirm', name: 'confirm', type: 'bool', placeholder: 'I have checked the change log' },
  ],
};

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const problems = [];
const page = await browser.newPage();
let expectedErrors = 0;
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  if (m.text().startsWith('Failed to load resource: the server responded')) return;
  problems.push(`console error: ${m.text()}`);
});
page.on('response', (r) => {
  if (r.status() < 400) return;
  if (expectedErrors > 0 && r.url().includes('/actions/')) { expectedErrors--; return; }
  problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
});
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('dialog', async (d) => { problems.push(`a dialog fired: ${d.message()}`); await d.dismiss(); });
page.setDefaultTimeout(10000);
await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });

const shot = (name, el) => (el || page).screenshot({ path: path.join(shots, `${name}.png`) });
const LOG = '[role="log"][aria-label="Messages"]';

/** Waits until the log holds an article whose text passes `test` (a substring); returns its text. */
async function articleText(id, needle) {
  const ok = await page.waitForFunction((sel, n) => {
    const a = document.querySelector(sel);
    return a && a.textContent.includes(n) ? a.textContent : null;
  }, { timeout: 10000 }, `article[data-id="${id}"]`, needle).then((h) => h.jsonValue()).catch(() => null);
  if (!ok) fail(`post ${id} never showed ${JSON.stringify(needle)}: ${await page.$eval(`article[data-id="${id}"]`, (a) => a.textContent).catch(() => '(not shown)')}`);
  return ok;
}

/** Waits for an ephemeral article containing `needle`; returns {id, text}. */
async function ephemeral(needle) {
  const found = await page.waitForFunction((sel, n) => {
    const a = [...document.querySelectorAll(`${sel} article.ephemeral`)].find((x) => x.textContent.includes(n));
    return a ? { id: a.dataset.id, text: a.textContent } : null;
  }, { timeout: 10000 }, LOG, needle).then((h) => h.jsonValue()).catch(() => null);
  if (!found) fail(`no ephemeral answer with ${JSON.stringify(needle)}`);
  if (!found.text.includes('(only visible to you)')) fail(`ephemeral answer not marked: ${found.text}`);
  return found;
}

async function until(what, f) {
  for (let i = 0; i < 100; i++) { if (f()) return; await sleep(100); }
  fail(`timed out waiting for ${what}`);
}

try {
  // The world: an admin, bob, a team, an incoming hook, a slash command calling the receiver.
  await rest('POST', '/users', null, { email: 'admin@example.com', username: 'admin', password: 'admin-password-1' });
  const admin = await loginToken('admin', 'admin-password-1');
  const team = await rest('POST', '/teams', admin, { name: 'acme', display_name: 'Acme', type: 'O' });
  const town = await rest('GET', `/teams/${team.id}/channels/name/town-square`, admin);
  const ops = await rest('POST', '/channels', admin, { team_id: team.id, name: 'ops', display_name: 'Ops', type: 'O' });
  const bob = await rest('POST', '/users', admin, { email: 'bob@example.com', username: 'bob', password: 'bob-password-1' });
  await rest('POST', `/teams/${team.id}/members`, admin, { team_id: team.id, user_id: bob.id });
  await rest('POST', `/channels/${town.id}/members`, admin, { user_id: bob.id });
  const bobToken = await loginToken('bob', 'bob-password-1');
  const hook = await rest('POST', '/hooks/incoming', admin, { channel_id: town.id, display_name: 'Deployer' });
  await rest('POST', '/commands', admin, { team_id: team.id, trigger: 'deploy', url: `${receiver}/command`, method: 'P', auto_complete: true, auto_complete_desc: 'Deploy a build' });

  const called = await fetch(`${base}/hooks/${hook.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: 'deployer', text: 'Deploy build 42?',
      attachments: [{
        color: '#3AA3E3', title: 'Build 42', text: 'All tests pass :+1:',
        actions: [
          { id: 'approve', name: 'Approve', style: 'primary', integration: { url: `${receiver}/approve`, context: { build: 42 } } },
          { id: 'broken', name: 'Break', style: 'danger', integration: { url: `${receiver}/broken` } },
          { id: 'env', name: 'Environment', type: 'select', options: [{ text: 'Staging', value: 'staging' }, { text: 'Production', value: 'prod' }], integration: { url: `${receiver}/env`, context: { build: 42 } } },
          { id: 'reviewer', name: 'Reviewer', type: 'select', data_source: 'users', integration: { url: `${receiver}/reviewer` } },
          { id: 'announce', name: 'Announce in', type: 'select', data_source: 'channels', integration: { url: `${receiver}/channel` } },
          { id: 'priority', name: 'Priority', type: 'select', options: [{ text: 'High', value: 'high' }], integration: { url: `${receiver}/broken` } },
          { id: 'later', name: 'Later', disabled: true, integration: { url: `${receiver}/approve` } },
        ],
      }],
    }),
  });
  if (!called.ok) fail(`webhook: ${called.status}`);
  const postId = called.headers.get('x-post-id');
  const emojiPost = await rest('POST', '/posts', bobToken, { channel_id: town.id, message: 'Shipped :tada: :+1: :white_check_mark: :smile: but not :no_such_emoji: nor 10:30:45 or `:smile:`' });
  await rest('POST', '/reactions', bobToken, { user_id: bob.id, post_id: emojiPost.id, emoji_name: 'heart' });
  await rest('POST', '/reactions', bobToken, { user_id: bob.id, post_id: emojiPost.id, emoji_name: 'no_such_emoji' });

  // Sign in.
  await page.goto(`${base}/perch/acme/channels/town-square`);
  await page.waitForSelector(aria('textbox', 'Email or username'));
  await page.type(aria('textbox', 'Email or username'), 'admin');
  await page.type('::-p-aria(Password)', 'admin-password-1');
  await page.click(aria('button', 'Log in'));
  await page.waitForSelector('body[data-live="on"]');
  const sel = `article[data-id="${postId}"]`;
  await page.waitForSelector(`${sel} .att-actions`);

  // What is drawn: enabled buttons with their styles, menus with their entries, the disabled
  // one greyed; the integration's URL is nowhere in the page.
  const drawn = await page.$eval(sel, (a) => ({
    buttons: [...a.querySelectorAll('.att-actions button')].map((b) => ({ name: b.textContent, cls: b.className, disabled: b.disabled })),
    menus: [...a.querySelectorAll('.att-actions select')].map((s) => ({ name: s.getAttribute('aria-label'), options: [...s.options].map((o) => o.textContent) })),
  }));
  const names = drawn.buttons.map((b) => `${b.name}${b.disabled ? '(off)' : ''}`).join(',');
  if (names !== 'Approve,Break,Later(off)') fail(`buttons: ${JSON.stringify(drawn)}`);
  if (!drawn.buttons[0].cls.includes('primary') || !drawn.buttons[1].cls.includes('danger')) fail(`button styles: ${JSON.stringify(drawn)}`);
  const menu = (n) => drawn.menus.find((m) => m.name === n);
  if (JSON.stringify(menu('Environment').options) !== '["Environment","Staging","Production"]') fail(`static menu: ${JSON.stringify(drawn.menus)}`);
  await page.waitForFunction((s) => [...document.querySelector(s).options].some((o) => o.textContent === 'bob'), {}, `${sel} select[aria-label="Reviewer"]`);
  await page.waitForFunction((s) => [...document.querySelector(s).options].some((o) => o.textContent === 'Ops'), {}, `${sel} select[aria-label="Announce in"]`);
  if ((await page.content()).includes(receiver)) fail('the integration URL reached the page');
  await shot('interactive-01-actions', await page.$(sel));

  // A failing integration: the clicker sees why, the post is unchanged.
  expectedErrors = 1;
  await page.click(`${sel} ${aria('button', 'Break')}`);
  await page.waitForSelector(`${sel} .att-error:not([hidden])`);
  const why = await page.$eval(`${sel} .att-error`, (e) => e.textContent);
  if (!why.startsWith('Break failed:')) fail(`error shown: ${why}`);
  await shot('interactive-02-error', await page.$(sel));
  // A failing menu shows its error too and goes back to its placeholder.
  expectedErrors = 1;
  await page.select(`${sel} select[aria-label="Priority"]`, 'high');
  await page.waitForFunction((s) => document.querySelector(`${s} .att-error`).textContent.startsWith('Priority failed:'), {}, sel);
  if (await page.$eval(`${sel} select[aria-label="Priority"]`, (m) => m.value) !== '') fail('the failed menu kept its choice');

  // The static menu: the integration gets the choice, the post is updated for everyone, and
  // the clicker alone sees the ephemeral answer.
  await page.select(`${sel} select[aria-label="Environment"]`, 'prod');
  await articleText(postId, 'Deploy build 42 to prod?');
  await ephemeral('Environment set to prod');
  const envCall = callsTo('/env')[0];
  if (!envCall || envCall.body.context.selected_option !== 'prod' || envCall.body.user_name !== 'admin' || envCall.body.post_id !== postId) fail(`menu call: ${JSON.stringify(envCall)}`);
  const bobSees = await rest('GET', `/posts/${postId}`, bobToken);
  if (bobSees.message !== 'Deploy build 42 to prod? :rocket:') fail(`bob sees ${bobSees.message}`);
  const thumbs = await page.$eval(`${sel} .att-text`, (t) => [...t.querySelectorAll('.emoji')].map((e) => e.textContent).join(''));
  if (thumbs !== '👍') fail(`emoji in the attachment's text: ${thumbs}`);
  const rocket = await page.$eval(`${sel} .post-message`, (m) => m.textContent);
  if (!rocket.includes('🚀')) fail(`emoji in the updated post: ${rocket}`);

  // The users and channels menus send ids.
  await page.select(`${sel} select[aria-label="Reviewer"]`, bob.id);
  await ephemeral(`Reviewer chosen: ${bob.id}`);
  await page.select(`${sel} select[aria-label="Announce in"]`, ops.id);
  await ephemeral(`Announcing in ${ops.id}`);
  if (callsTo('/reviewer')[0].body.data_source !== 'users') fail(`data_source: ${JSON.stringify(callsTo('/reviewer'))}`);
  await shot('interactive-03-answered');

  // The button: the update removes the actions.
  await page.click(`${sel} ${aria('button', 'Approve')}`);
  await articleText(postId, 'Approved by @admin');
  await ephemeral('You approved build 42');
  await page.waitForFunction((s) => !document.querySelector(`${s} .att-actions`), {}, sel);
  const approved = await page.$eval(`${sel} .post-message`, (m) => m.textContent);
  if (!approved.includes('✅')) fail(`approved post: ${approved}`);

  // Emoji in messages, attachment text and reactions; unknown names and code stay as written.
  const em = await page.$eval(`article[data-id="${emojiPost.id}"]`, (a) => ({
    text: a.querySelector('.post-message').textContent,
    glyphs: [...a.querySelectorAll('.post-message .emoji')].map((e) => e.textContent),
    titles: [...a.querySelectorAll('.post-message .emoji')].map((e) => e.getAttribute('title')),
    reactions: [...a.querySelectorAll('.reaction')].map((r) => r.textContent),
  }));
  if (em.glyphs.join('') !== '🎉👍✅😄') fail(`emoji: ${JSON.stringify(em)}`);
  if (em.titles.join(' ') !== ':tada: :+1: :white_check_mark: :smile:') fail(`emoji titles: ${JSON.stringify(em)}`);
  for (const kept of [':no_such_emoji:', '10:30:45', ':smile:']) if (!em.text.includes(kept)) fail(`${kept} should stay text: ${em.text}`);
  if (!em.reactions.includes('❤️ 1') || !em.reactions.includes(':no_such_emoji: 1')) fail(`reactions: ${JSON.stringify(em.reactions)}`);
  await shot('emoji-01-message', await page.$(`article[data-id="${emojiPost.id}"]`));

  // A slash command opens a dialog with its trigger id, and answers with an ephemeral button.
  const box = await page.waitForSelector(aria('textbox', 'Message'));
  await box.click();
  await box.type('/deploy');
  await page.keyboard.press('Enter');
  const dlg = aria('dialog', 'Deploy');
  await page.waitForSelector(dlg);
  if (callsTo('dialog-open-failed').length) fail(JSON.stringify(callsTo('dialog-open-failed')));
  await page.waitForFunction(() => [...document.querySelectorAll('dialog select option')].some((o) => o.textContent === 'bob'));
  const intro = await page.$eval('dialog .dialog-intro', (e) => e.textContent);
  if (intro !== 'Ship build 42 🚀') fail(`introduction: ${intro}`);
  await shot('dialog-01-open');
  // Required fields are checked before anything is sent.
  await page.$eval('dialog input[type="number"]', (e) => { e.value = ''; });
  await page.click(`dialog ${aria('button', 'Deploy')}`);
  await page.waitForSelector('dialog .field-error:not([hidden])');
  const required = await page.$$eval('dialog .field-error:not([hidden])', (es) => es.length);
  if (required !== 5) fail(`required errors: ${required}`);
  if (callsTo('/dialog').length) fail('an incomplete form was sent');
  // Filled in with a version the integration refuses: its error shows beside the field.
  await page.type('::-p-aria(Version)', '9.9.9');
  await page.type('::-p-aria(Replicas)', '5');
  await page.type(aria('textbox', 'Notes (optional)'), 'hotfix for the login page');
  await (await page.$(aria('combobox', 'Environment'))).select('prod');
  await (await page.$(aria('combobox', 'Approver'))).select(bob.id);
  await (await page.$(aria('combobox', 'Announce in (optional)'))).select(ops.id);
  await (await page.$(aria('listbox', 'Regions'))).select('eu', 'ap');
  await page.click('::-p-aria(All at once)');
  await page.click('::-p-aria(I have checked the change log)');
  await page.click(`dialog ${aria('button', 'Deploy')}`);
  await page.waitForFunction(() => [...document.querySelectorAll('dialog .field-error:not([hidden])')].map((e) => e.textContent).join('|') === 'No such version');
  const versionInvalid = await page.$eval('::-p-aria(Version)', (e) => e.getAttribute('aria-invalid'));
  if (versionInvalid !== 'true') fail('the refused field is not marked invalid');
  await shot('dialog-02-errors');
  await page.$eval('::-p-aria(Version)', (e) => { e.value = ''; });
  await page.type('::-p-aria(Version)', '1.2.3');
  await page.click(`dialog ${aria('button', 'Deploy')}`);
  await page.waitForSelector('dialog', { hidden: true });
  const subs = callsTo('/dialog');
  if (subs.length !== 2) fail(`submissions: ${JSON.stringify(subs)}`);
  const s = subs[1].body;
  const want = { version: '1.2.3', replicas: 5, notes: 'hotfix for the login page', env: 'prod', approver: bob.id, announce: ops.id, regions: ['eu', 'ap'], strategy: 'all', confirm: true };
  if (JSON.stringify(s.submission, Object.keys(want).sort()) !== JSON.stringify(want, Object.keys(want).sort())) fail(`submission: ${JSON.stringify(s)}`);
  if (s.callback_id !== 'deploy-form' || s.state !== 'build-42' || s.channel_id !== town.id || s.team_id !== team.id || s.cancelled !== false || s.user_id !== (await rest('GET', '/users/me', admin)).id) fail(`submission: ${JSON.stringify(s)}`);

  // The command's ephemeral answer has a button: clicking it sends the action's cookie.
  // (The answer is shown from the command's response at once, then replaced by its live copy,
  // which carries the cookie: the button is enabled once that has arrived.)
  await ephemeral('Opening the deploy form');
  const presetId = await page.waitForFunction((s) => {
    const a = [...document.querySelectorAll(`${s} article.ephemeral`)].find((x) => x.textContent.includes('Opening the deploy form'));
    const b = a && a.querySelector('.att-actions button');
    return b && !b.disabled ? a.dataset.id : null;
  }, {}, LOG).then((h) => h.jsonValue());
  await page.click(`article[data-id="${presetId}"] ${aria('button', 'Use last settings')}`);
  await ephemeral('Preset applied');
  if (!callsTo('/preset').length) fail('the ephemeral button did not call');
  await shot('interactive-04-ephemeral');

  // A second dialog, cancelled: the integration is told (notify_on_cancel).
  await box.click();
  await box.type('/deploy');
  await page.keyboard.press('Enter');
  await page.waitForSelector(dlg);
  await page.click(`dialog ${aria('button', 'Cancel')}`);
  await page.waitForSelector('dialog', { hidden: true });
  await until('the cancellation', () => callsTo('/dialog').some((c) => c.body.cancelled === true));

  // The phone width: the dialog and the actions fit.
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  await box.click();
  await box.type('/deploy');
  await page.keyboard.press('Enter');
  await page.waitForSelector(dlg);
  await sleep(200);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 390) fail(`the page is ${wide} px wide at phone width`);
  await shot('dialog-03-phone');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog', { hidden: true });

  if (problems.length) fail(problems.join('\n'));
  console.log('interactive messages: all checks passed');
} catch (e) {
  await shot('interactive-failure').catch(() => {});
  console.error(e.stack || String(e));
  if (problems.length) console.error(problems.join('\n'));
  console.error(`integration calls: ${JSON.stringify(calls.map((c) => c.path))}`);
  await browser.close();
  receiverServer.close();
  process.exit(1);
}
await browser.close();
receiverServer.close();
