// `@mattermost/client` 11.9.0's WebSocketClient under Node's built-in WebSocket, against
// Perch: two users connect (authentication_challenge with their session tokens); the listener
// receives `hello` (seq 0), `posted` for the other user's post, `typing` after the other's
// `userTyping`, and `reaction_added`; event seqs are consecutive (the client checks them and
// reconnects on a mismatch).
//
// Usage: node client4_ws.mjs NODE_MODULES_DIR BASE_URL TOKEN_A TOKEN_B CHANNEL_ID
// Prints one JSON line on success; exits non-zero with a message on the first mismatch.

import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// Node 20 has its WebSocket behind a flag (Node 22 on by default): run again with it.
if (typeof globalThis.WebSocket === 'undefined') {
    const r = spawnSync(process.execPath, ['--experimental-websocket', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
}

class Mismatch extends Error {}

function check(cond, what) {
    if (!cond) {
        throw new Mismatch(what);
    }
}

function waitFor(events, pred, what, ms = 10000) {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = () => {
            const found = events.find(pred);
            if (found) {
                resolve(found);
            } else if (Date.now() - started > ms) {
                reject(new Mismatch(`timed out waiting for ${what}; saw ${JSON.stringify(events.map((e) => e.event))}`));
            } else {
                setTimeout(tick, 20);
            }
        };
        tick();
    });
}

async function main(argv) {
    const [nodeModules, baseUrl, tokenA, tokenB, channelId] = argv;
    const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
    const { Client4, WebSocketClient } = require('@mattermost/client');
    const wsUrl = baseUrl.replace(/^http/, 'ws') + '/api/v4/websocket';

    const a = new Client4();
    a.setUrl(baseUrl);
    a.setToken(tokenA);
    const b = new Client4();
    b.setUrl(baseUrl);
    b.setToken(tokenB);
    const meB = await b.getMe();

    const seen = [];
    const listener = new WebSocketClient();
    listener.addMessageListener((msg) => seen.push(msg));
    const closes = [];
    listener.addCloseListener((failCount) => closes.push(failCount));
    listener.initialize(wsUrl, tokenA);
    const hello = await waitFor(seen, (m) => m.event === 'hello', 'hello');
    check(hello.seq === 0, `hello seq ${hello.seq}`);
    check(hello.data.connection_id.length === 26, 'connection_id');

    const other = new WebSocketClient();
    const otherSeen = [];
    other.addMessageListener((m) => otherSeen.push(m));
    other.initialize(wsUrl, tokenB);
    await waitFor(otherSeen, (m) => m.event === 'hello', 'the second hello');

    const post = await b.createPost({ channel_id: channelId, message: 'from node' });
    const posted = await waitFor(seen, (m) => m.event === 'posted' && JSON.parse(m.data.post).id === post.id, 'posted');
    check(posted.data.sender_name === '@' + meB.username, `sender_name ${posted.data.sender_name}`);

    other.userTyping(channelId, '');
    const typing = await waitFor(seen, (m) => m.event === 'typing', 'typing');
    check(typing.data.user_id === meB.id, `typing user ${typing.data.user_id}`);

    await b.addReaction(meB.id, post.id, 'smile');
    const added = await waitFor(seen, (m) => m.event === 'reaction_added', 'reaction_added');
    check(JSON.parse(added.data.reaction).emoji_name === 'smile', 'reaction emoji');

    // The client closes (4001) and reconnects on any gap; it never did.
    const seqs = seen.map((m) => m.seq);
    seqs.forEach((s, i) => check(s === i, `event seqs ${JSON.stringify(seqs)}`));
    check(closes.length === 0, `the listener's socket closed ${closes.length} times`);
    listener.close();
    other.close();
    console.log(JSON.stringify({ events: seen.map((m) => m.event), seqs }));
}

main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
        console.error(e instanceof Mismatch ? `mismatch: ${e.message}` : e);
        process.exit(1);
    },
);
