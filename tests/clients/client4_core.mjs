// Core chat flow with the real `Client4` from @mattermost/client (11.9.0) under Node.
//
// Usage: node client4_core.mjs NODE_MODULES_DIR BASE_URL LOGIN_ID PASSWORD TEAM_NAME CHANNEL_NAME
//
// Logs in, reads and patches the caller, reads teams and channels by name, posts (plain and a reply), reads the
// channel's posts and the thread, checks the server version parsed from X-Version-Id and the
// ClientError of a 404, and logs out. Exits non-zero with a message on the first mismatch.

import { createRequire } from 'node:module';
import path from 'node:path';

class Mismatch extends Error {}

function check(cond, what) {
    if (!cond) {
        throw new Mismatch(what);
    }
}

function eq(got, want, what) {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) {
        throw new Mismatch(`${what}: got ${g}, want ${w}`);
    }
}

async function rejects(promise, what) {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    throw new Mismatch(`${what} did not reject`);
}

// Waits until the wall clock has left the post's millisecond, so the next post gets a later
// create_at (posts in the same millisecond have no defined order, in Mattermost too).
async function past(post) {
    while (Date.now() <= post.create_at) {
        await new Promise((resolve) => setTimeout(resolve, 1));
    }
}

async function main(argv) {
    if (argv.length !== 6) {
        throw new Mismatch('usage: client4_core.mjs NODE_MODULES BASE_URL LOGIN_ID PASSWORD TEAM CHANNEL');
    }
    const [nodeModules, baseUrl, loginId, password, teamName, channelName] = argv;
    const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
    const { Client4, ClientError } = require('@mattermost/client');

    const client = new Client4();
    client.setUrl(baseUrl);

    const profile = await client.login(loginId, password);
    check(typeof profile === 'object' && profile !== null, `login returned ${typeof profile} (Content-Type not exactly application/json?)`);
    eq(profile.username, loginId, 'login profile username');
    check(!('password' in profile), 'login profile has a password field');
    check(client.getToken().length === 26, `token after login: ${JSON.stringify(client.getToken())}`);
    const userId = profile.id;

    const version = client.getServerVersion();
    check(typeof version === 'string' && version.length > 0, 'getServerVersion() is empty (X-Version-Id missing or Cache-Control set)');
    const m = /^(\d+)\.(\d+)\.(\d+)(\.|$)/.exec(version);
    check(m, `server version ${JSON.stringify(version)} is not dotted`);
    const [major, minor] = [Number(m[1]), Number(m[2])];
    check(major > 9 || (major === 9 && minor >= 11), `server version ${version} is below 9.11.0`);

    const me = await client.getMe();
    eq(me.id, userId, 'getMe id');
    eq(me.username, loginId, 'getMe username');

    // The web app's Profile settings save through patchMe; other settings through patchUser.
    const patched = await client.patchMe({ first_name: 'Client', last_name: 'Four' });
    eq([patched.first_name, patched.last_name], ['Client', 'Four'], 'patchMe names');
    eq(patched.username, loginId, 'patchMe kept the username');
    const tz = { automaticTimezone: '', manualTimezone: 'Asia/Tokyo', useAutomaticTimezone: 'false' };
    const zoned = await client.patchUser({ id: userId, timezone: tz });
    eq(zoned.timezone, tz, 'patchUser timezone');
    eq(zoned.first_name, 'Client', 'patchUser kept the first name');
    const refused = await rejects(client.patchMe({ username: 'all' }), 'patchMe to a reserved username');
    eq(refused.server_error_id, 'model.user.is_valid.username.app_error', 'patchMe refusal id');
    eq(refused.status_code, 400, 'patchMe refusal status');

    const team = await client.getTeamByName(teamName);
    eq(team.name, teamName, 'getTeamByName name');
    const teamId = team.id;
    check(typeof teamId === 'string' && teamId.length === 26, `team id ${teamId}`);

    const myTeams = await client.getMyTeams();
    check(Array.isArray(myTeams), 'getMyTeams is not an array');
    check(myTeams.some((t) => t.id === teamId), 'getMyTeams lacks the team');

    const channel = await client.getChannelByNameAndTeamName(teamName, channelName);
    eq(channel.name, channelName, 'getChannelByNameAndTeamName name');
    eq(channel.team_id, teamId, 'channel team_id');
    const channelId = channel.id;
    const sameChannel = await client.getChannelByName(teamId, channelName);
    eq(sameChannel.id, channelId, 'getChannelByName id');

    const root = await client.createPost({ channel_id: channelId, message: 'hello from Client4', props: { via: 'client4' } });
    eq(root.channel_id, channelId, 'createPost channel_id');
    eq(root.user_id, userId, 'createPost user_id');
    eq(root.message, 'hello from Client4', 'createPost message');
    eq(root.props.via, 'client4', 'createPost props');
    check(root.id.length === 26, 'createPost id');

    await past(root);
    const reply = await client.createPost({ channel_id: channelId, message: 'a Client4 reply', root_id: root.id });
    eq(reply.root_id, root.id, 'reply root_id');

    const posts = await client.getPosts(channelId);
    check(Array.isArray(posts.order), 'getPosts().order is not an array');
    check(typeof posts.posts === 'object' && posts.posts !== null, 'getPosts().posts is not an object');
    eq(posts.order.slice(0, 2), [reply.id, root.id], 'getPosts order (newest first)');
    eq(posts.posts[root.id].message, 'hello from Client4', 'getPosts root message');
    eq(posts.posts[reply.id].root_id, root.id, 'getPosts reply root_id');
    check('next_post_id' in posts && 'prev_post_id' in posts, 'getPosts lacks next_post_id/prev_post_id');

    // Client4 asks for thread roots (skipFetchThreads=false): a page holding only the reply
    // still carries its root in `posts`, but not in `order`.
    const page = await client.getPosts(channelId, 0, 1);
    eq(page.order, [reply.id], 'getPosts per_page=1 order');
    check(root.id in page.posts, 'getPosts per_page=1 lacks the thread root in posts');

    const thread = await client.getPostThread(root.id);
    check(Array.isArray(thread.order), 'getPostThread().order is not an array');
    eq([...thread.order].sort(), [root.id, reply.id].sort(), 'getPostThread order ids');
    eq(thread.posts[reply.id].message, 'a Client4 reply', 'getPostThread reply message');

    const err = await rejects(client.getTeamByName('no-such-team'), 'getTeamByName of an unknown team');
    check(err instanceof ClientError, `unknown team rejected with ${err && err.constructor && err.constructor.name}, not ClientError`);
    eq(err.status_code, 404, 'ClientError.status_code');
    eq(err.server_error_id, 'app.team.get_by_name.missing.app_error', 'ClientError.server_error_id');
    check(typeof err.message === 'string' && err.message.length > 0, 'ClientError.message is empty');

    const chErr = await rejects(client.getChannelByName(teamId, 'no-such-channel'), 'getChannelByName of an unknown channel');
    eq(chErr.status_code, 404, 'channel ClientError.status_code');
    eq(chErr.server_error_id, 'app.channel.get_by_name.missing.app_error', 'channel ClientError.server_error_id');

    const byEmail = new Client4();
    byEmail.setUrl(baseUrl);
    eq((await byEmail.login(me.email, password)).id, userId, 'login by e-mail id');
    eq((await byEmail.getMe()).id, userId, 'getMe after e-mail login');

    const bad = new Client4();
    bad.setUrl(baseUrl);
    const loginErr = await rejects(bad.login(loginId, `${password}-wrong`), 'login with a wrong password');
    eq(loginErr.status_code, 401, 'wrong password status_code');
    eq(loginErr.server_error_id, 'api.user.login.invalid_credentials_email_username', 'wrong password server_error_id');
    eq(bad.getToken(), '', 'token after a failed login');

    const token = client.getToken();
    const out = await client.logout();
    check(out.ok, `logout response status ${out.status}`);
    eq(client.getToken(), '', 'token after logout');

    const stale = new Client4();
    stale.setUrl(baseUrl);
    stale.setToken(token);
    const staleErr = await rejects(stale.getMe(), 'getMe with a revoked token');
    eq(staleErr.status_code, 401, 'revoked token status_code');

    console.log('client4_core: ok');
}

try {
    await main(process.argv.slice(2));
} catch (e) {
    if (e instanceof Mismatch) {
        console.error(`client4_core: MISMATCH: ${e.message}`);
        process.exit(1);
    }
    console.error('client4_core: EXCEPTION:', e);
    process.exit(2);
}
