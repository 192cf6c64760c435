// The unmodified official Mattermost web app, served by Perch (PerchSettings.WebappDirectory),
// driven in Debian's Chromium by puppeteer-core. Usage:
//
//   node official_webapp.mjs NODE_MODULES_DIR BASE_URL SHOTS_DIR IMAGE_PNG
//
// BASE_URL is a server with an admin (admin / admin-password) on team `acme`, whose Town Square
// holds a webhook post with a Slack attachment titled "Build 42" and a post with a "Deploy"
// button whose integration answers with an update ("Deployed by the button") and an ephemeral
// text. The script logs in, reads the attachment, posts a message, sees a post made over REST
// arrive live, runs /echo, replies in a thread, reacts to its own post through the emoji picker,
// uploads IMAGE_PNG with a message, clicks the button, switches to `dev` (marked unread with a
// mention bob made there over REST) and back, edits and deletes a post, creates a public
// channel, sends bob a direct message, searches, opens recent mentions, makes an incoming
// webhook in the Integrations screens and calls it, opens the System Console's users list,
// switches to a second team where bob mentions it and back, pins a post and sees it in the
// Pinned panel, saves it and sees it in the Saved panel, writes a group message to bob and
// carol (a user on `acme`), saves a nickname in the account menu's Profile, reloads (still
// logged in) and logs out.
// Exits non-zero at the first thing that is wrong, or on any uncaught exception or console
// error in the page.

import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const [modules, base, shots, imagePng] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const puppeteer = require('puppeteer-core');
fs.mkdirSync(shots, { recursive: true });

const API = `${base}/api/v4`;
const fail = (msg) => { throw new Error(msg); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rest(method, p, token, body) {
  const r = await fetch(API + p, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) fail(`${method} ${p}: ${r.status} ${text}`);
  return { json: text ? JSON.parse(text) : null, headers: r.headers };
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // A mention plays a sound; headless Chromium would refuse it without a user gesture.
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
});
const problems = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on('console', (m) => {
    // Resource errors are listed with their URLs from the responses below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    const url = r.url();
    // Before the login the app asks for admin analytics and is told 401, as Mattermost answers.
    const expected = r.status() === 401 && url.includes('/analytics/old');
    if (r.status() >= 400 && !expected) problems.push(`${r.status()} ${r.request().method()} ${url}`);
  });
  const bodyText = () => page.evaluate(() => document.body.innerText);
  const waitForText = async (text, what, ms = 10000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if ((await bodyText()).includes(text)) return;
      await sleep(100);
    }
    await page.screenshot({ path: path.join(shots, 'failure.png') });
    fail(`${what}: "${text}" never showed`);
  };

  // Log in.
  await page.goto(`${base}/login`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#loginId', { timeout: 15000 });
  await page.type('#loginId', 'admin');
  await page.type('#loginPassword', 'admin-password');
  await page.click('#loginButton');
  await page.waitForSelector('#post_textbox', { timeout: 15000 });
  if (!page.url().endsWith('/acme/channels/town-square')) fail(`landed on ${page.url()}`);

  // The webhook's attachment, drawn as an attachment (title, text, field).
  await waitForText('Build 42', 'the webhook attachment title');
  const attachmentTexts = await page.$$eval('.attachment', (els) => els.map((e) => e.innerText));
  const attachmentText = attachmentTexts.find((t) => t.includes('Build 42'));
  if (!attachmentText) fail(`the webhook post has no rendered attachment: ${JSON.stringify(attachmentTexts)}`);
  for (const t of ['Build 42', 'Branch', 'main']) {
    if (!attachmentText.includes(t)) fail(`attachment lacks "${t}": ${attachmentText}`);
  }
  await page.screenshot({ path: path.join(shots, 'town-square.png') });

  // Post a message.
  await page.type('#post_textbox', 'hello from the official web app');
  await page.keyboard.press('Enter');
  await waitForText('hello from the official web app', 'my own post');

  // A post made over REST by someone else arrives live over the WebSocket.
  const login = await rest('POST', '/users/login', null, { login_id: 'bob', password: 'bob-password' });
  const bobToken = login.headers.get('token');
  const team = (await rest('GET', '/teams/name/acme', bobToken)).json;
  const ts = (await rest('GET', `/teams/${team.id}/channels/name/town-square`, bobToken)).json;
  await rest('POST', '/posts', bobToken, { channel_id: ts.id, message: 'live from bob over REST' });
  await waitForText('live from bob over REST', 'the live post');

  // A slash command.
  await page.type('#post_textbox', '/echo echoed by the server');
  await sleep(300);
  await page.keyboard.press('Enter');
  await sleep(300);
  // The autocomplete may take the first Enter; a second one sends.
  if (await page.$eval('#post_textbox', (e) => e.value.length > 0)) await page.keyboard.press('Enter');
  await waitForText('echoed by the server', 'the /echo answer');

  // A thread reply: reply to bob's post through the REST API's thread, then in the app.
  const posts = (await rest('GET', `/channels/${ts.id}/posts`, bobToken)).json;
  const bobPost = posts.order.map((id) => posts.posts[id]).find((p) => p.message === 'live from bob over REST');
  const postEl = await page.$(`#post_${bobPost.id}`);
  if (!postEl) fail("bob's post is not in the list");
  await postEl.hover();
  const replyButton = await page.waitForSelector(`#CENTER_commentIcon_${bobPost.id}`, { timeout: 5000 }).catch(() => null);
  if (!replyButton) fail('no reply button on the post');
  await replyButton.evaluate((b) => b.click());
  const replyBox = await page.waitForSelector('#reply_textbox', { timeout: 10000 });
  await replyBox.type('a reply in the thread');
  await page.keyboard.press('Enter');
  const until = Date.now() + 10000;
  let replies = [];
  while (Date.now() < until) {
    replies = (await rest('GET', `/posts/${bobPost.id}/thread`, bobToken)).json;
    if (Object.values(replies.posts).some((p) => p.message === 'a reply in the thread' && p.root_id === bobPost.id)) break;
    await sleep(200);
  }
  if (!Object.values(replies.posts).some((p) => p.message === 'a reply in the thread')) fail('the thread reply was not stored');
  await page.screenshot({ path: path.join(shots, 'thread.png') });
  // Close the thread, so the centre is as wide as it was.
  const closeRhs = await page.$('#rhsCloseButton');
  if (closeRhs) await closeRhs.evaluate((b) => b.click());

  // Until `ms` pass, the first post in Town Square for which `test` holds.
  const findPost = async (test, what, ms = 10000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const list = (await rest('GET', `/channels/${ts.id}/posts`, bobToken)).json;
      const found = list.order.map((id) => list.posts[id]).find(test);
      if (found) return found;
      await sleep(200);
    }
    await page.screenshot({ path: path.join(shots, 'failure.png') });
    return fail(`${what}: no such post`);
  };

  // A reaction through the emoji picker, on my own post.
  const mine = await findPost((p) => p.message === 'hello from the official web app', 'my post');
  const mineEl = await page.$(`#post_${mine.id}`);
  if (!mineEl) fail('my post is not in the list');
  await mineEl.hover();
  const reactButton = await page.waitForSelector(`#CENTER_reaction_${mine.id}`, { timeout: 5000 }).catch(() => null);
  if (!reactButton) fail('no reaction button on my post');
  await reactButton.evaluate((b) => b.click());
  const search = await page.waitForSelector('#emojiPickerSearch', { timeout: 5000 }).catch(() => null);
  if (!search) fail('the emoji picker did not open');
  await search.type('tada');
  const tada = await page.waitForSelector('.emoji-picker__item img[alt="emoji image"], .emoji-picker__item', { timeout: 5000 })
    .catch(() => null);
  await page.screenshot({ path: path.join(shots, 'emoji-picker.png') });
  if (!tada) fail('the emoji picker found no emoji for "tada"');
  await tada.click();
  let reactions = [];
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    reactions = (await rest('GET', `/posts/${mine.id}/reactions`, bobToken)).json || [];
    if (reactions.some((r) => r.emoji_name === 'tada')) break;
  }
  if (!reactions.some((r) => r.emoji_name === 'tada')) fail(`no tada reaction stored: ${JSON.stringify(reactions)}`);
  await page.waitForSelector(`#post_${mine.id} .post-reaction-list`, { timeout: 10000 })
    .catch(() => fail('the reaction is not drawn under the post'));
  await page.screenshot({ path: path.join(shots, 'reaction.png') });

  // A file: picked in the app, uploaded, posted with a message, drawn as an image.
  const fileInput = await page.$('#fileUploadInput');
  if (!fileInput) fail('no file input');
  await fileInput.uploadFile(imagePng);
  await page.waitForSelector('.file-preview', { timeout: 10000 }).catch(() => fail('no upload preview'));
  // The preview is ready when its progress indicator is gone.
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    if (!(await page.$('.file-preview .post-image__uploadingTxt, .file-preview .upload-progress'))) break;
  }
  await page.type('#post_textbox', 'a picture from the browser');
  await page.keyboard.press('Enter');
  const withFile = await findPost((p) => p.message === 'a picture from the browser', 'the post with a file');
  if ((withFile.file_ids || []).length !== 1) fail(`the post has files ${JSON.stringify(withFile.file_ids)}`);
  const info = (await rest('GET', `/files/${withFile.file_ids[0]}/info`, bobToken)).json;
  if (info.name !== path.basename(imagePng) || info.mime_type !== 'image/png') fail(`file info ${JSON.stringify(info)}`);
  await page.waitForSelector(`#post_${withFile.id} img`, { timeout: 10000 })
    .catch(() => fail('the uploaded image is not drawn in the post'));
  await sleep(500);
  await page.screenshot({ path: path.join(shots, 'upload.png') });

  // An interactive button: the integration's update replaces the message, its ephemeral
  // answer shows to the clicker only.
  const buttonPost = await findPost((p) => p.message === 'Ready to ship', 'the post with a button');
  const buttonEl = await page.$(`#post_${buttonPost.id}`);
  if (!buttonEl) fail('the post with a button is not in the list');
  await buttonEl.evaluate((e) => e.scrollIntoView());
  const buttons = await page.$$(`#post_${buttonPost.id} .attachment-actions button`);
  let deploy = null;
  for (const b of buttons) {
    if ((await b.evaluate((e) => e.innerText.trim())) === 'Deploy') deploy = b;
  }
  if (!deploy) fail(`no Deploy button (${buttons.length} buttons)`);
  await deploy.click();
  await waitForText('Deployed by the button', 'the update the integration answered');
  await waitForText('You clicked Deploy', 'the ephemeral answer');
  await sleep(300);
  await page.screenshot({ path: path.join(shots, 'button.png') });
  await page.evaluate(() => {
    const posts = [...document.querySelectorAll('.post')];
    posts.find((p) => p.innerText.includes('You clicked Deploy'))?.scrollIntoView();
  });
  await sleep(300);
  await page.screenshot({ path: path.join(shots, 'button-ephemeral.png') });

  // Another channel: while I read Town Square, bob joins `dev` and mentions me there over
  // REST; the sidebar marks `dev` unread with a mention badge. Opening it shows the post and
  // marks it read on the server; Town Square is one click back.
  const bobId = (await rest('GET', '/users/me', bobToken)).json.id;
  const adminId = (await rest('GET', '/users/username/admin', bobToken)).json.id;
  const dev = (await rest('GET', `/teams/${team.id}/channels/name/dev`, bobToken)).json;
  await rest('POST', `/channels/${dev.id}/members`, bobToken, { user_id: bobId });
  await rest('POST', '/posts', bobToken, { channel_id: dev.id, message: '@admin a word in dev' });
  await page.waitForSelector('#sidebarItem_dev.unread-title .badge', { timeout: 10000 })
    .catch(() => fail('dev is not marked unread with a mention badge'));
  const badge = await page.$eval('#sidebarItem_dev .badge', (e) => e.innerText.trim());
  if (badge !== '1') fail(`the mention badge on dev says "${badge}"`);
  await page.screenshot({ path: path.join(shots, 'unread.png') });
  await page.click('#sidebarItem_dev');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/channels/dev'), { timeout: 10000 });
  await waitForText('a word in dev', 'the post in dev');
  let devMember = null;
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    devMember = (await rest('GET', `/channels/${dev.id}/members/${adminId}`, bobToken)).json;
    if (devMember.mention_count === 0 && devMember.msg_count >= 1) break;
  }
  if (devMember.mention_count !== 0) fail(`dev is still unread on the server: ${JSON.stringify(devMember)}`);
  await page.screenshot({ path: path.join(shots, 'dev.png') });
  await page.click('#sidebarItem_town-square');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/channels/town-square'), { timeout: 10000 });
  await waitForText('Deployed by the button', 'Town Square again');

  // Edit my own post through its "..." menu, then delete it.
  await page.waitForSelector('#post_textbox', { visible: true, timeout: 10000 });
  await page.click('#post_textbox');
  // Sends what the centre box holds: right after a channel switch the app may take a first
  // Enter without sending, so press again until the box is empty.
  const send = async (text) => {
    await page.waitForSelector('#post_textbox', { visible: true, timeout: 10000 });
    await page.click('#post_textbox');
    await page.type('#post_textbox', text);
    for (let i = 0; i < 10 && await page.$eval('#post_textbox', (e) => e.value.length > 0); i++) {
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#post_textbox').value === '', { timeout: 1000 }).catch(() => null);
    }
  };
  await send('a post with a tpyo');
  const typo = await findPost((p) => p.message === 'a post with a tpyo', 'the post to edit');
  const openMenu = async (id) => {
    await page.waitForSelector(`#post_${id}`, { timeout: 10000 });
    await page.hover(`#post_${id}`);
    const dots = await page.waitForSelector(`#CENTER_button_${id}`, { timeout: 5000 }).catch(() => null);
    if (!dots) fail(`no "..." menu on post ${id}`);
    await dots.evaluate((b) => b.click());
  };
  await openMenu(typo.id);
  const edit = await page.waitForSelector(`#edit_post_${typo.id} button`, { visible: true, timeout: 5000 }).catch(() => null);
  if (!edit) fail('no Edit item in the menu');
  await edit.evaluate((e) => e.click()); // the product notice may lie over it
  const editBox = await page.waitForSelector('#edit_textbox', { visible: true, timeout: 5000 }).catch(() => null);
  if (!editBox) {
    await page.screenshot({ path: path.join(shots, 'failure.png') });
    fail('the edit box did not open');
  }
  await editBox.evaluate((e) => e.select());
  await editBox.type('a post with no typo');
  await page.screenshot({ path: path.join(shots, 'edit.png') });
  await page.keyboard.press('Enter');
  let edited = null;
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    edited = (await rest('GET', `/posts/${typo.id}`, bobToken)).json;
    if (edited.message === 'a post with no typo') break;
  }
  if (edited.message !== 'a post with no typo' || !(edited.edit_at > 0)) fail(`the edit was not stored: ${JSON.stringify(edited)}`);
  await page.waitForSelector(`#postEdited_${typo.id}`, { timeout: 10000 })
    .catch(() => fail('the post is not marked edited'));
  await waitForText('a post with no typo', 'the edited post');
  await page.screenshot({ path: path.join(shots, 'edited.png') });
  await openMenu(typo.id);
  const del = await page.waitForSelector(`#delete_post_${typo.id} button`, { visible: true, timeout: 5000 }).catch(() => null);
  if (!del) fail('no Delete item in the menu');
  await del.evaluate((e) => e.click()); // the product notice may lie over it
  const confirm = await page.waitForSelector('#deletePostModalButton', { visible: true, timeout: 5000 }).catch(() => null);
  if (!confirm) fail('no delete confirmation');
  await confirm.click();
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    if (!(await page.$(`#post_${typo.id}`))) break;
  }
  if (await page.$(`#post_${typo.id}`)) fail('the deleted post is still drawn');
  const gone = await fetch(`${API}/posts/${typo.id}`, { headers: { Authorization: `Bearer ${bobToken}` } });
  if (gone.status !== 404) fail(`the deleted post answers ${gone.status}`);

  // A new public channel, from the sidebar's "+" menu.
  await page.$eval('.AddChannelDropdown_dropdownButton', (b) => b.click());
  const newChannel = await page.waitForSelector('#showNewChannel', { visible: true, timeout: 5000 }).catch(() => null);
  if (!newChannel) {
    await page.screenshot({ path: path.join(shots, 'failure.png') });
    fail(`no "Create New Channel" in the sidebar menu: ${await page.$eval('#AddChannelDropdown', (e) => e.outerHTML).catch(() => 'no menu')}`);
  }
  await newChannel.evaluate((e) => (e.querySelector('button') || e).click());
  await page.waitForSelector('#newChannelName', { visible: true, timeout: 5000 });
  await page.type('#newChannelName', 'Release Notes');
  await page.screenshot({ path: path.join(shots, 'new-channel.png') });
  await page.click('#submitNewChannel');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/channels/release-notes'), { timeout: 10000 })
    .catch(() => fail(`the new channel did not open (${page.url()})`));
  await page.waitForSelector('#sidebarItem_release-notes', { timeout: 10000 });
  const created = (await rest('GET', `/teams/${team.id}/channels/name/release-notes`, bobToken)).json;
  if (created.type !== 'O' || created.display_name !== 'Release Notes' || created.creator_id !== adminId) {
    fail(`the new channel is ${JSON.stringify(created)}`);
  }
  await page.screenshot({ path: path.join(shots, 'channel-created.png') });

  // A direct message to bob, opened from the sidebar's "Write a direct message" button.
  await page.click('button[aria-label="Write a direct message"]');
  const who = await page.waitForSelector('#selectItems input', { visible: true, timeout: 5000 }).catch(() => null);
  if (!who) fail('the direct message dialog did not open');
  // Picked from the list the dialog opens with (typing a name searches with
  // POST /users/search, which Perch does not serve yet).
  await page.waitForFunction(() => [...document.querySelectorAll('.more-modal__row')]
    .some((r) => r.innerText.includes('@bob')), { timeout: 10000 }).catch(() => fail('bob is not offered'));
  await page.evaluate(() => [...document.querySelectorAll('.more-modal__row')]
    .find((r) => r.innerText.includes('@bob')).click());
  await page.waitForFunction(() => document.querySelector('#selectItems').innerText.includes('bob'), { timeout: 5000 })
    .catch(() => fail('bob was not picked'));
  await page.screenshot({ path: path.join(shots, 'dm-dialog.png') });
  await page.click('#saveItems');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/messages/@bob'), { timeout: 10000 })
    .catch(() => fail(`the direct channel did not open (${page.url()})`));
  await send('a direct word for bob');
  const dm = (await rest('POST', '/channels/direct', bobToken, [bobId, adminId])).json;
  let dmPosts = null;
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    dmPosts = (await rest('GET', `/channels/${dm.id}/posts`, bobToken)).json;
    if (Object.values(dmPosts.posts).some((p) => p.message === 'a direct word for bob' && p.user_id === adminId)) break;
  }
  if (!Object.values(dmPosts.posts).some((p) => p.message === 'a direct word for bob')) fail('the direct message was not stored');
  await waitForText('a direct word for bob', 'the direct message');
  await page.screenshot({ path: path.join(shots, 'direct.png') });
  await page.click('#sidebarItem_town-square');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/channels/town-square'), { timeout: 10000 });

  // Search from the header: the results panel lists my post; recent mentions list bob's.
  await page.click('#searchBox');
  await page.type('#searchBox', 'hello official');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('.search-item__container')]
    .some((e) => e.innerText.includes('hello from the official web app')), { timeout: 10000 })
    .catch(() => fail('the search did not find my post'));
  await page.screenshot({ path: path.join(shots, 'search.png') });
  await page.click('button[aria-label="Select to toggle a list of recent mentions."]');
  await page.waitForFunction(() => [...document.querySelectorAll('.search-item__container')]
    .some((e) => e.innerText.includes('a word in dev')), { timeout: 10000 })
    .catch(() => fail("recent mentions do not list bob's mention"));
  await page.screenshot({ path: path.join(shots, 'mentions.png') });

  // An incoming webhook made in the app's Integrations screens, then called like any
  // integration: its post shows in the channel.
  await page.goto(`${base}/acme/integrations/incoming_webhooks/add`, { waitUntil: 'networkidle0' });
  const notice = await page.$('#systemnotice_dontshow');
  if (notice) await notice.click(); // the admins' notice box covers the Save button
  await page.waitForSelector('#displayName', { timeout: 10000 });
  await page.type('#displayName', 'From the app');
  await page.select('#channelSelect', ts.id);
  await page.click('#saveWebhook');
  await page.waitForFunction(() => location.pathname.includes('/integrations/confirm'), { timeout: 10000 })
    .catch(() => fail(`the webhook was not saved (${page.url()})`));
  const hookUrl = await page.evaluate(() => (document.body.innerText.match(/https?:\/\/\S+\/hooks\/[a-z0-9]{26}/) || [])[0]);
  if (!hookUrl) fail('the confirmation shows no webhook URL');
  await page.screenshot({ path: path.join(shots, 'webhook-made.png') });
  const called = await fetch(hookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'posted through the hook made in the app' }) });
  if (called.status !== 200) fail(`the webhook made in the app answered ${called.status}`);

  // The System Console's users list.
  await page.goto(`${base}/admin_console/user_management/users`, { waitUntil: 'networkidle0' });
  await waitForText('@bob', 'bob in the System Console');
  await page.screenshot({ path: path.join(shots, 'system-console.png') });
  await page.goto(`${base}/acme/channels/town-square`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#post_textbox', { timeout: 15000 });
  await waitForText('posted through the hook made in the app', 'the post of the webhook made in the app');

  // A second team: bob makes it and adds me; the team sidebar appears, marks it when bob
  // mentions me there, and switches to it and back.
  const second = (await rest('POST', '/teams', bobToken, { name: 'second', display_name: 'Second', type: 'O' })).json;
  await rest('POST', `/teams/${second.id}/members`, bobToken, { team_id: second.id, user_id: adminId });
  await page.waitForSelector('#secondTeamButton', { timeout: 10000 })
    .catch(() => fail('the second team is not in the team sidebar'));
  const secondTs = (await rest('GET', `/teams/${second.id}/channels/name/town-square`, bobToken)).json;
  await rest('POST', '/posts', bobToken, { channel_id: secondTs.id, message: '@admin welcome to the second team' });
  await page.waitForSelector('#secondTeamButton .badge', { timeout: 10000 })
    .catch(() => fail('the second team shows no mention badge'));
  await page.screenshot({ path: path.join(shots, 'teams.png') });
  await page.click('#secondTeamButton');
  await page.waitForFunction(() => location.pathname.startsWith('/second/channels/'), { timeout: 10000 })
    .catch(() => fail(`the team switch did not happen (${page.url()})`));
  await waitForText('welcome to the second team', 'the post in the second team');
  await page.click('#acmeTeamButton');
  await page.waitForFunction(() => location.pathname.startsWith('/acme/channels/'), { timeout: 10000 })
    .catch(() => fail(`the switch back did not happen (${page.url()})`));
  await page.click('#sidebarItem_town-square');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/channels/town-square'), { timeout: 10000 });

  // Pin a post from its "..." menu; the channel header's pin button lists it.
  await send('a post to pin and save');
  const marked = await findPost((p) => p.message === 'a post to pin and save', 'the post to pin');
  await openMenu(marked.id);
  const pinItem = await page.waitForSelector(`#pin_post_${marked.id} button`, { visible: true, timeout: 5000 }).catch(() => null);
  if (!pinItem) fail('no Pin item in the menu');
  await pinItem.evaluate((e) => e.click());
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    if ((await rest('GET', `/posts/${marked.id}`, bobToken)).json.is_pinned) break;
  }
  if (!(await rest('GET', `/posts/${marked.id}`, bobToken)).json.is_pinned) fail('the pin was not stored');
  const rhsHas = async (text, what) => {
    await page.waitForFunction((t) => (document.querySelector('#sidebar-right')?.innerText || '').includes(t), { timeout: 10000 }, text)
      .catch(async () => {
        await page.screenshot({ path: path.join(shots, 'failure.png') });
        fail(`${what}: "${text}" is not in the right-hand panel`);
      });
  };
  await page.$eval('#channelHeaderPinButton', (b) => b.click());
  await rhsHas('a post to pin and save', 'the pinned posts');
  await page.screenshot({ path: path.join(shots, 'pinned.png') });

  // Save it with the post's bookmark button; the Saved posts panel lists it.
  await page.hover(`#post_${marked.id}`);
  const flag = await page.waitForSelector(`#CENTER_flagIcon_${marked.id}`, { timeout: 5000 }).catch(() => null);
  if (!flag) fail('no Save button on the post');
  await flag.evaluate((b) => b.click());
  const adminToken = (await rest('POST', '/users/login', null, { login_id: 'admin', password: 'admin-password' })).headers.get('token');
  let flagged = null;
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    flagged = (await rest('GET', '/users/me/posts/flagged', adminToken)).json;
    if (flagged.order.includes(marked.id)) break;
  }
  if (!flagged.order.includes(marked.id)) fail(`the save was not stored: ${JSON.stringify(flagged.order)}`);
  await page.$eval('button[aria-label="Saved posts"]', (b) => b.click());
  await page.waitForFunction(() => /saved posts/i.test(document.querySelector('#sidebar-right')?.innerText || ''), { timeout: 10000 })
    .catch(() => fail('the Saved posts panel did not open'));
  await rhsHas('a post to pin and save', 'the saved posts');
  await page.screenshot({ path: path.join(shots, 'saved.png') });
  const closeRight = await page.$('#rhsCloseButton');
  if (closeRight) await closeRight.evaluate((b) => b.click());

  // A group message with bob and carol, each found by typing in the direct message dialog.
  await page.click('button[aria-label="Write a direct message"]');
  await page.waitForSelector('#selectItems input', { visible: true, timeout: 5000 });
  for (const name of ['bob', 'carol']) {
    await page.type('#selectItems input', name);
    await page.waitForFunction((n) => [...document.querySelectorAll('.more-modal__row')]
      .some((r) => r.innerText.includes(`@${n}`)), { timeout: 10000 }, name).catch(() => fail(`${name} is not offered`));
    await page.evaluate((n) => [...document.querySelectorAll('.more-modal__row')]
      .find((r) => r.innerText.includes(`@${n}`)).click(), name);
    await page.waitForFunction((n) => document.querySelector('#selectItems').innerText.includes(n), { timeout: 5000 }, name)
      .catch(() => fail(`${name} was not picked`));
  }
  await page.screenshot({ path: path.join(shots, 'gm-dialog.png') });
  await page.click('#saveItems');
  await page.waitForFunction(() => /\/acme\/messages\/[0-9a-f]{40}$/.test(location.pathname), { timeout: 10000 })
    .catch(() => fail(`the group channel did not open (${page.url()})`));
  await send('a word for the group');
  const carolId = (await rest('GET', '/users/username/carol', bobToken)).json.id;
  const gm = (await rest('POST', '/channels/group', bobToken, [adminId, carolId])).json;
  let gmPosts = null;
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    gmPosts = (await rest('GET', `/channels/${gm.id}/posts`, bobToken)).json;
    if (Object.values(gmPosts.posts).some((p) => p.message === 'a word for the group' && p.user_id === adminId)) break;
  }
  if (!Object.values(gmPosts.posts).some((p) => p.message === 'a word for the group')) fail('the group message was not stored');
  await waitForText('a word for the group', 'the group message');
  await page.screenshot({ path: path.join(shots, 'group.png') });
  await page.click('#sidebarItem_town-square');
  await page.waitForFunction(() => location.pathname.endsWith('/acme/channels/town-square'), { timeout: 10000 });

  // The account menu's Profile: a nickname saved there is my nickname on the server.
  await page.click('button[aria-label="set status"]');
  await page.waitForFunction(() => [...document.querySelectorAll('button, a, span')]
    .some((e) => e.innerText && e.innerText.trim() === 'Profile'), { timeout: 5000 })
    .catch(() => fail('no Profile in the account menu'));
  await page.evaluate(() => [...document.querySelectorAll('button, a, span')]
    .find((e) => e.innerText && e.innerText.trim() === 'Profile').click());
  await page.waitForFunction(() => [...document.querySelectorAll('.section-min')]
    .some((r) => r.innerText.includes('Nickname')), { timeout: 5000 })
    .catch(() => fail('the Profile settings did not open'));
  await page.evaluate(() => [...document.querySelectorAll('.section-min')]
    .find((r) => r.innerText.includes('Nickname')).querySelector('button').click());
  await page.waitForSelector('#nickname', { visible: true, timeout: 5000 });
  await page.type('#nickname', 'Chief');
  await page.click('#saveSetting');
  let me = null;
  for (const until = Date.now() + 10000; Date.now() < until; await sleep(200)) {
    me = (await rest('GET', `/users/${adminId}`, bobToken)).json;
    if (me.nickname === 'Chief') break;
  }
  if (me.nickname !== 'Chief') fail(`the nickname saved in the app is "${me.nickname}"`);
  await page.screenshot({ path: path.join(shots, 'profile.png') });
  await page.keyboard.press('Escape');

  // Reload: the cookie session and the stored posts survive, and so does the mention badge of
  // a mention bob makes in dev just before (the server keeps the count).
  await rest('POST', '/posts', bobToken, { channel_id: dev.id, message: '@admin one more in dev' });
  await page.waitForSelector('#sidebarItem_dev .badge', { timeout: 10000 })
    .catch(() => fail('the new mention in dev shows no badge'));
  await page.reload({ waitUntil: 'networkidle0' });
  await page.waitForSelector('#post_textbox', { timeout: 15000 });
  await waitForText('hello from the official web app', 'my post after a reload');
  await page.waitForSelector('#sidebarItem_dev .badge', { timeout: 10000 })
    .catch(() => fail('the mention badge on dev is gone after a reload'));
  const kept = await page.$eval('#sidebarItem_dev .badge', (e) => e.innerText.trim());
  if (kept !== '1') fail(`after a reload the mention badge on dev says "${kept}"`);

  // Everything up to here ran without an error in the page (after the logout below, the app's
  // own requests are rightly answered 401).
  if (problems.length) fail(`problems in the page:\n${problems.join('\n')}`);

  // Log out through the API the app uses, then a reload lands on the login page.
  await page.evaluate(async () => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('MMCSRF='))?.slice(7) || '';
    await fetch('/api/v4/users/logout', { method: 'POST', headers: { 'X-Requested-With': 'XMLHttpRequest', 'X-CSRF-Token': csrf } });
  });
  await page.goto(`${base}/acme/channels/town-square`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#loginId', { timeout: 15000 });
  await page.screenshot({ path: path.join(shots, 'logged-out.png') });
  console.log('all checks passed');
} finally {
  await browser.close();
}
