// @mattermost/client (Client4) 11.9.0 against Perch: an admin creates a bot and a personal
// access token for it, then the bot authenticates with the token (getMe).
//
// usage: node bot_token.mjs NODE_PROJECT_DIR BASE_URL ADMIN_PASSWORD
// (NODE_PROJECT_DIR holds node_modules/@mattermost/client.) Prints one JSON line on success.

import { createRequire } from 'node:module';
import path from 'node:path';

const [nodeDir, base, password] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { Client4 } = require('@mattermost/client');

const admin = new Client4();
admin.setUrl(base);
await admin.login('admin', password);
const bot = await admin.createBot({ username: 'js-bot', display_name: 'JS Bot', description: 'made by Client4' });
const token = await admin.createUserAccessToken(bot.user_id, 'js');
if (typeof token.token !== 'string' || token.token.length !== 26) {
    throw new Error(`no secret in ${JSON.stringify(token)}`);
}

const asBot = new Client4();
asBot.setUrl(base);
asBot.setToken(token.token);
const me = await asBot.getMe();
if (me.id !== bot.user_id || me.is_bot !== true) {
    throw new Error(`getMe answered ${JSON.stringify(me)}`);
}
const listed = (await admin.getBots()).map((b) => b.username);
console.log(JSON.stringify({ bot_user_id: bot.user_id, me: me.username, is_bot: me.is_bot, bots: listed }));
