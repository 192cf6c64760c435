// The web client in a real browser: Debian's Chromium driven by puppeteer-core against a real
// Perch server, finding everything by role and accessible name as a person (or a screen
// reader) would. Usage:
//
//   node web_client.mjs NODE_MODULES_DIR BASE_URL SHOTS_DIR [CONTROL_DIR]
//
// With CONTROL_DIR, the script asks for a server restart by creating CONTROL_DIR/restart and
// waits for CONTROL_DIR/restarted (the Rust test restarts the server on the same port).
// BASE_URL is a fresh server (no accounts). The script creates the first account in the
// browser, then works as that admin while a second user and an incoming webhook post through
// the API. Saves a screenshot of each main screen at desktop and phone width into SHOTS_DIR.
// Exits non-zero with a message at the first thing that is not as it should be.

import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const [modules, base, shots, control] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const puppeteer = require('puppeteer-core');
fs.mkdirSync(shots, { recursive: true });

const API = `${base}/api/v4`;
// Width only: changing isMobile or hasTouch makes puppeteer reload the page.
const PHONE = { width: 390, height: 844, deviceScaleFactor: 1 };
const DESKTOP = { width: 1280, height: 800, deviceScaleFactor: 1 };
const fail = (msg) => { throw new Error(msg); };
const aria = (role, name) => `::-p-aria([name="${name}"][role="${role}"])`;

async function rest(method, p, token, body, headers = {}) {
  const r = await fetch(`${API}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
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

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const problems = [];
const dialogs = [];
let expected401 = 0;
let restarting = false;
const page = await browser.newPage();
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  // Failed requests are reported with their URL below.
  if (m.text().startsWith('Failed to load resource: the server responded')) return;
  // While the server restarts, requests and the socket fail: that is the point of the step.
  if (restarting) return;
  problems.push(`console error: ${m.text()}`);
});
page.on('response', (r) => {
  if (r.status() < 400 || restarting) return;
  if (expected401 > 0 && r.status() === 401 && r.url().endsWith('/users/login')) { expected401--; return; }
  problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
});
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
page.setDefaultTimeout(10000);

async function shot(name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function both(name) {
  await page.setViewport(DESKTOP);
  await shot(`${name}-desktop`);
  await page.setViewport(PHONE);
  await new Promise((r) => setTimeout(r, 100));
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 390) problems.push(`${name}: the page is ${wide} px wide at phone width`);
  await shot(`${name}-phone`);
  await page.setViewport(DESKTOP);
}

async function text(selector) {
  return page.$eval(selector, (el) => el.textContent);
}

/** Waits until the message log holds an article containing `needle`; returns its handle. */
async function article(needle, within = '[role="log"][aria-label="Messages"]') {
  const handle = await page.waitForFunction((sel, n) => {
    const log = document.querySelector(sel);
    return log && [...log.querySelectorAll('article')].reverse().find((a) => a.textContent.includes(n));
  }, { timeout: 10000 }, within, needle).catch(() => null);
  if (!handle) fail(`no article with ${JSON.stringify(needle)} in ${within}`);
  return handle;
}

/** Hovers a post (its actions show on hover) and presses one of its buttons, by selectors
 * (articles are re-rendered as live events arrive, so no element handle is kept). */
async function act(id, name) {
  const sel = `article[data-id="${id}"]`;
  for (let attempt = 0; ; attempt++) {
    try {
      await page.hover(sel);
      await page.click(`${sel} ${aria('button', name)}`);
      return;
    } catch (e) {
      if (attempt > 3) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Clicks what `sel` finds, again if the page re-rendered it meanwhile (the sidebar is
 * rebuilt when live events change memberships). */
async function tap(sel) {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.waitForSelector(sel, { visible: true });
      await page.click(sel);
      return;
    } catch (e) {
      if (attempt > 3) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function send(label, message) {
  const box = await page.waitForSelector(aria('textbox', label));
  await box.click();
  await box.type(message);
  await page.keyboard.press('Enter');
}

try {
  // 1. A fresh server: the first account, then the first team.
  await page.setViewport(DESKTOP);
  await page.goto(`${base}/perch/`);
  await page.waitForSelector('::-p-aria(Email)');
  await both('01-first-account');
  await page.type('::-p-aria(Email)', 'admin@example.com');
  await page.type('::-p-aria(Username)', 'admin');
  await page.type('::-p-aria(Password)', 'admin-password-1');
  await page.click(aria('button', 'Create account'));
  await page.waitForSelector(aria('button', 'Create a team'));
  await page.click(aria('button', 'Create a team'));
  await page.type('::-p-aria(Team name)', 'Acme');
  await page.click(aria('button', 'Create team'));
  await page.waitForSelector('nav[aria-label="Channels"] a[aria-current="page"]');
  const current = await text('nav[aria-label="Channels"] a[aria-current="page"]');
  if (!current.includes('Town Square')) fail(`opened ${current}, not Town Square`);
  if (!page.url().endsWith('/perch/acme/channels/town-square')) fail(`at ${page.url()}`);

  // 2. Sign out; a wrong password shows an alert; signing in opens the last team's Town Square.
  await page.click(aria('button', 'Log out'));
  await page.waitForSelector(aria('button', 'Log in'));
  await both('02-login');
  await page.type(aria('textbox', 'Email or username'), 'admin');
  await page.type('::-p-aria(Password)', 'wrong-password');
  expected401 = 1;
  await page.click(aria('button', 'Log in'));
  await page.waitForSelector('[role="alert"]:not([hidden])');
  await page.$eval('::-p-aria(Password)', (el) => { el.value = ''; });
  await page.type('::-p-aria(Password)', 'admin-password-1');
  await page.click(aria('button', 'Log in'));
  await page.waitForSelector(`nav[aria-label="Channels"] ${aria('link', 'Town Square')}[aria-current="page"]`);

  // The rest of the world, through the API: bob, a channel, a webhook.
  const admin = await loginToken('admin', 'admin-password-1');
  const team = await rest('GET', '/teams/name/acme', admin);
  const town = await rest('GET', `/teams/${team.id}/channels/name/town-square`, admin);
  const bob = await rest('POST', '/users', admin, { email: 'bob@example.com', username: 'bob', password: 'bob-password-1' });
  await rest('POST', `/teams/${team.id}/members`, admin, { team_id: team.id, user_id: bob.id });
  await rest('POST', `/channels/${town.id}/members`, admin, { user_id: bob.id });
  const bobToken = await loginToken('bob', 'bob-password-1');
  const ops = await rest('POST', '/channels', admin, { team_id: team.id, name: 'ops', display_name: 'Ops', type: 'O' });

  // 3. Posting: Enter sends, Markdown renders.
  await send('Message', 'hello **world** with `code`');
  const mine = await article('hello world');
  if (!(await mine.evaluate((a) => !!a.querySelector('strong') && !!a.querySelector('code')))) fail('Markdown not rendered');
  await page.keyboard.down('Shift');
  await page.keyboard.press('Enter');
  await page.keyboard.up('Shift');
  const multi = await page.$eval(aria('textbox', 'Message'), (el) => el.value);
  if (multi !== '\n') fail(`Shift+Enter should add a new line, the box holds ${JSON.stringify(multi)}`);
  await page.$eval(aria('textbox', 'Message'), (el) => { el.value = ''; });

  // 4. Live: bob, in a browser of his own, types (admin sees it) and posts (it arrives over
  // the WebSocket, no reload).
  await page.waitForSelector('body[data-live="on"]');
  const bobContext = await browser.createBrowserContext();
  const bobPage = await bobContext.newPage();
  bobPage.on('pageerror', (e) => problems.push(`bob's page error: ${e.message}`));
  await bobPage.setViewport(DESKTOP);
  await bobPage.goto(`${base}/perch/acme/channels/town-square`);
  await bobPage.waitForSelector(aria('textbox', 'Email or username'));
  await bobPage.type(aria('textbox', 'Email or username'), 'bob');
  await bobPage.type('::-p-aria(Password)', 'bob-password-1');
  await bobPage.click(aria('button', 'Log in'));
  await bobPage.waitForSelector('body[data-live="on"]');
  const bobBox = await bobPage.waitForSelector(aria('textbox', 'Message'));
  await bobBox.type('bob says hi');
  await page.waitForFunction(() => document.querySelector('.typing').textContent.includes('bob is typing'));
  await shot('03-typing-desktop');
  await bobBox.type(' :wave:');
  await bobPage.keyboard.press('Enter');
  await article('bob says hi');
  await bobContext.close();

  // 5. A webhook's Slack attachment, rendered as Mattermost does.
  const hook = await rest('POST', '/hooks/incoming', admin, { channel_id: town.id, display_name: 'CI' });
  const hookCall = await fetch(`${base}/hooks/${hook.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: 'ci-bot',
      text: 'Build finished',
      attachments: [{
        fallback: 'Build 42 passed', color: '#2eb886', pretext: 'Nightly build',
        author_name: 'Jenkins', author_link: 'https://ci.example.com/', author_icon: `${base}/perch/favicon.svg`,
        title: 'Build #42', title_link: 'https://ci.example.com/42', text: 'All **green**',
        fields: [{ title: 'Branch', value: 'main', short: true }, { title: 'Duration', value: '3m 12s', short: true },
          { title: 'Changes', value: 'Fixed the flaky test', short: false }],
        footer: 'Jenkins CI', footer_icon: `${base}/perch/favicon.svg`, ts: 1700000000,
      }],
    }),
  });
  if (!hookCall.ok) fail(`webhook call: ${hookCall.status}`);
  const att = await article('Build #42');
  const seen = await att.evaluate((a) => ({
    link: a.querySelector('a[href="https://ci.example.com/42"]')?.textContent,
    text: a.textContent,
    strong: a.querySelector('.att-text strong')?.textContent,
    badge: a.querySelector('.badge')?.textContent,
  }));
  if (seen.link !== 'Build #42') fail(`attachment title link: ${JSON.stringify(seen)}`);
  for (const want of ['Nightly build', 'Jenkins', 'Branch', 'main', 'Duration', '3m 12s', 'Changes', 'Fixed the flaky test', 'Jenkins CI', 'ci-bot']) {
    if (!seen.text.includes(want)) fail(`attachment lacks ${want}: ${seen.text}`);
  }
  if (seen.strong !== 'green' || seen.badge !== 'WEBHOOK') fail(`attachment: ${JSON.stringify(seen)}`);

  // 6. Hostile strings stay inert: no dialog, no script, no javascript: or data: link.
  const evil = [
    '<img src=x onerror=alert(1)> <script>alert(2)</script>',
    '[click me](javascript:alert(3)) [data](data:text/html,<script>alert(4)</script>) ![i](javascript:alert(5))',
    '<a href="javascript:alert(6)">x</a> <svg onload=alert(7)> " onmouseover="alert(8)',
  ];
  for (const m of evil) await rest('POST', '/posts', bobToken, { channel_id: town.id, message: m });
  await fetch(`${base}/hooks/${hook.id}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      text: 'evil attachment',
      attachments: [{ title: 'evil title', title_link: 'javascript:alert(9)', author_name: '<b>x</b>', author_link: 'data:text/html,x',
        author_icon: 'javascript:alert(10)', image_url: 'data:image/png;base64,AAAA', text: '<iframe src=javascript:alert(11)>',
        fields: [{ title: '<script>alert(12)</script>', value: '[x](javascript:alert(13))' }], footer: '<img src=x onerror=alert(14)>' }],
    }),
  });
  await article('evil attachment');
  await article('onmouseover');
  const bad = await page.evaluate(() => {
    const log = document.querySelector('[role="log"]');
    return {
      scripts: log.querySelectorAll('script, iframe, svg, object, embed').length,
      badLinks: [...log.querySelectorAll('a')].filter((a) => !/^(https?:|mailto:|\/)/.test(a.getAttribute('href') || '')).map((a) => a.getAttribute('href')),
      badImages: [...log.querySelectorAll('img')].filter((i) => !/^https?:/.test(i.getAttribute('src') || '')).map((i) => i.getAttribute('src')),
      handlers: [...log.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    };
  });
  if (bad.scripts || bad.badLinks.length || bad.badImages.length || bad.handlers) fail(`unsafe rendering: ${JSON.stringify(bad)}`);
  await both('03-channel');

  // 7. Slash commands: `/` lists them; an ephemeral answer is shown to the sender only.
  const box = await page.waitForSelector(aria('textbox', 'Message'));
  await box.click();
  await box.type('/');
  await page.waitForSelector(`[role="listbox"] ${aria('option', '/echo')}`);
  await box.type('aw');
  await page.waitForSelector(`[role="listbox"] ${aria('option', '/away')}`);
  await shot('04-slash-desktop');
  await page.keyboard.press('Tab');
  const chosen = await page.$eval(aria('textbox', 'Message'), (el) => el.value);
  if (chosen !== '/away ') fail(`choosing from the list gave ${JSON.stringify(chosen)}`);
  await page.keyboard.press('Enter');
  const eph = await article('You are now away');
  const ephText = await eph.evaluate((a) => a.textContent);
  if (!ephText.includes('(only visible to you)')) fail(`ephemeral answer not marked: ${ephText}`);
  const bobSees = await rest('GET', `/channels/${town.id}/posts?per_page=50`, bobToken);
  if (Object.values(bobSees.posts).some((p) => p.message.includes('You are now away'))) fail('the ephemeral answer was posted');

  // 8. Threads: a post with replies has a Reply button; the thread opens beside the channel.
  const root = await rest('POST', '/posts', bobToken, { channel_id: town.id, message: 'thread root from bob' });
  await rest('POST', '/posts', bobToken, { channel_id: town.id, message: 'first reply from bob', root_id: root.id });
  await page.waitForFunction((id) => document.querySelector(`article[data-id="${id}"] .replies`), {}, root.id);
  await act(root.id, 'Reply');
  await page.waitForSelector(`${aria('region', 'Thread')}`);
  await article('first reply from bob', 'section[aria-label="Thread"]');
  await send('Reply', 'my reply in the thread');
  await article('my reply in the thread', 'section[aria-label="Thread"]');
  const thread = await rest('GET', `/posts/${root.id}/thread`, bobToken);
  if (!Object.values(thread.posts).some((p) => p.message === 'my reply in the thread')) fail('the reply is not in the thread');
  await both('05-thread');
  await page.click(aria('button', 'Close thread'));

  // 9. Editing and deleting one's own post.
  const ownId = await (await article('hello world')).evaluate((a) => a.dataset.id);
  await act(ownId, 'Edit');
  const edit = await page.waitForSelector(aria('textbox', 'Edit message'));
  await edit.evaluate((el) => { el.value = ''; });
  await edit.type('hello edited world');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('article')].some((a) => a.textContent.includes('hello edited world') && a.textContent.includes('(edited)')));

  // 10. Switching channels by the sidebar's links; the current one is marked.
  await tap(`nav[aria-label=\"Channels\"] ${aria('link', 'Town Square')}`);
  await rest('POST', `/channels/${ops.id}/members`, admin, { user_id: (await rest('GET', '/users/me', admin)).id }).catch(() => {});
  await page.reload();
  await page.waitForSelector(`nav[aria-label="Channels"] ${aria('link', 'Ops')}`);
  // Right after the reload a tap can land before the client has taken over its links (seen
  // once on a loaded 2-core machine): tap again until Ops is the current channel.
  const opsCurrent = `nav[aria-label="Channels"] ${aria('link', 'Ops')}[aria-current="page"]`;
  for (let attempt = 1; ; attempt++) {
    await tap(`nav[aria-label=\"Channels\"] ${aria('link', 'Ops')}`);
    if (await page.waitForSelector(opsCurrent, { timeout: 5000 }).then(() => true, () => false)) break;
    if (attempt === 3) fail('Ops never became the current channel');
  }
  await send('Message', 'in ops now');
  await article('in ops now');

  // 11. The integrations console: create an incoming webhook for a channel, call its URL,
  // preview a template against a sample payload.
  await tap(aria('link', 'Integrations'));
  await page.waitForSelector(aria('heading', 'Incoming webhooks'));
  await page.click(aria('button', 'Add incoming webhook'));
  const channelBox = await page.waitForSelector(aria('combobox', 'Channel'));
  await channelBox.select(town.id);
  await page.type(aria('textbox', 'Title'), 'Deploys');
  await page.click(aria('button', 'Create'));
  const item = 'article[aria-label="Deploys"]';
  const hookUrl = await page.waitForFunction((sel) => {
    const code = document.querySelector(`${sel} code.url`);
    return code && code.textContent;
  }, {}, item).then((v) => v.jsonValue());
  if (!new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/hooks/[a-z0-9]{26}$`).test(hookUrl)) fail(`the hook's URL: ${hookUrl}`);
  const shown = await page.$eval('main', (m) => m.innerText);
  if (!shown.includes(hookUrl)) fail('the URL is not shown as text');
  const called = await fetch(hookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'deployed from the console hook' }) });
  if (!called.ok) fail(`calling ${hookUrl}: ${called.status}`);
  await page.click(`${item} details:nth-of-type(3) summary`);
  await page.type(`${item} ${aria('textbox', 'Template')}`, '{{ app }} failed on {{ env }}');
  await page.type(`${item} ${aria('textbox', 'Sample payload')}`, '{"app": "shop", "env": "prod"}');
  await (await page.$(`${item} ${aria('combobox', 'Source')}`)).select('template');
  // The preview follows the template as typed, before it is saved.
  await page.waitForFunction((sel) => document.querySelector(`${sel} .preview`).textContent.includes('shop failed on prod'), {}, item);
  const hookId = hookUrl.split('/').pop();
  if ((await rest('GET', `/hooks/incoming/${hookId}`, admin)).template !== '') fail('the previewed template was saved');
  await page.type(`${item} ${aria('textbox', 'Template')}`, ' (again)');
  await page.waitForFunction((sel) => document.querySelector(`${sel} .preview`).textContent.includes('shop failed on prod (again)'), {}, item);
  await page.click(`${item} ${aria('button', 'Save template')}`);
  await page.waitForFunction((sel) => document.querySelector(`${sel} [role="status"]`).textContent === 'Saved.', {}, item);
  if ((await rest('GET', `/hooks/incoming/${hookId}`, admin)).template !== '{{ app }} failed on {{ env }} (again)') fail('the template was not saved');
  await page.click(`${item} details:nth-of-type(4) summary`);
  await page.waitForFunction((sel) => document.querySelector(`${sel} table.deliveries tbody tr`), {}, item);
  await both('07-integrations');
  await page.click(aria('link', 'Outgoing webhooks'));
  await page.waitForSelector(aria('heading', 'Outgoing webhooks'));
  await page.click(aria('link', 'Slash commands'));
  await page.waitForSelector(aria('heading', 'Slash commands'));

  // The system console saves to config.json.
  await tap(aria('link', 'System console'));
  const siteName = await page.waitForSelector(aria('textbox', 'Site name'));
  await siteName.evaluate((el) => { el.value = ''; });
  await siteName.type('Acme chat');
  await page.click(aria('button', 'Save'));
  await page.waitForFunction(() => document.querySelector('[role="status"]').textContent.includes('Saved'));
  const saved = await rest('GET', '/config', admin);
  if (saved.TeamSettings.SiteName !== 'Acme chat') fail(`config not saved: ${saved.TeamSettings.SiteName}`);
  await both('08-system-console');
  await tap(`nav[aria-label=\"Channels\"] ${aria('link', 'Town Square')}`);
  await article('deployed from the console hook');

  // 12. The phone layout: the sidebar is a drawer behind the menu button.
  await page.setViewport(PHONE);
  await page.click(aria('button', 'Show channels'));
  await page.waitForSelector(`nav[aria-label="Channels"] ${aria('link', 'Town Square')}`, { visible: true });
  await shot('06-drawer-phone');
  await tap(`nav[aria-label=\"Channels\"] ${aria('link', 'Town Square')}`);
  await page.waitForSelector(`nav[aria-label="Channels"]`, { hidden: true });
  await article('thread root from bob');
  await page.setViewport(DESKTOP);

  // 13. The server restarts: the client reconnects by itself and live posts flow again.
  if (control) {
    restarting = true;
    fs.writeFileSync(path.join(control, 'restart'), '');
    await page.waitForSelector('body[data-live="off"]', { timeout: 20000 });
    for (let i = 0; !fs.existsSync(path.join(control, 'restarted')); i++) {
      if (i > 200) fail('the server did not restart');
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.waitForSelector('body[data-live="on"]', { timeout: 30000 });
    restarting = false;
    await rest('POST', '/posts', bobToken, { channel_id: town.id, message: 'after the restart' });
    await article('after the restart');
  }

  if (dialogs.length) fail(`dialogs fired: ${dialogs.join(' | ')}`);
  if (problems.length) fail(problems.join('\n'));
  console.log('web client: all checks passed');
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(e.stack || String(e));
  if (problems.length) console.error(problems.join('\n'));
  await browser.close();
  process.exit(1);
}
await browser.close();
