// Files with the real `Client4` from @mattermost/client (11.9.0) under Node.
//
// Usage: node client4_files.mjs NODE_MODULES_DIR BASE_URL LOGIN_ID PASSWORD TEAM_NAME CHANNEL_NAME
//
// Uploads two files in one form with `uploadFile` (a FormData with channel_id, client_ids and
// files, as the web app builds it), posts them with `createPost`, reads them back through
// `getFileUrl` and `getFileInfosForPost`, and compares SHA-256 digests. Prints one JSON line
// for the test; exits non-zero with a message on the first mismatch.

import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';

class Mismatch extends Error {}

function eq(got, want, what) {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) {
        throw new Mismatch(`${what}: got ${g}, want ${w}`);
    }
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function main(argv) {
    if (argv.length !== 6) {
        throw new Mismatch('usage: client4_files.mjs NODE_MODULES BASE_URL LOGIN_ID PASSWORD TEAM CHANNEL');
    }
    const [nodeModules, baseUrl, loginId, password, teamName, channelName] = argv;
    const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
    const { Client4 } = require('@mattermost/client');
    const client = new Client4();
    client.setUrl(baseUrl);
    const me = await client.login(loginId, password);
    const team = await client.getTeamByName(teamName);
    const channel = await client.getChannelByName(team.id, channelName);

    const a = randomBytes(400_000);
    const b = Buffer.from('plain text\nwith lines\n');
    const form = new FormData();
    form.append('channel_id', channel.id);
    form.append('client_ids', 'c-a');
    form.append('client_ids', 'c-b');
    form.append('files', new Blob([a]), 'blob.bin');
    form.append('files', new Blob([b], { type: 'text/plain' }), 'notes.txt');
    const up = await client.uploadFile(form);
    eq(up.client_ids, ['c-a', 'c-b'], 'client_ids');
    eq(up.file_infos.map((f) => [f.name, f.size, f.user_id]), [['blob.bin', a.length, me.id], ['notes.txt', b.length, me.id]], 'file_infos');
    const ids = up.file_infos.map((f) => f.id);

    const post = await client.createPost({ channel_id: channel.id, message: 'two files', file_ids: ids });
    eq(post.file_ids, ids, 'post file_ids');
    eq(post.metadata.files.map((f) => f.name), ['blob.bin', 'notes.txt'], 'metadata.files');

    const digests = {};
    for (const f of up.file_infos) {
        const res = await fetch(client.getFileUrl(f.id), { headers: { Authorization: `Bearer ${client.getToken()}` } });
        eq(res.status, 200, `GET ${f.name}`);
        digests[f.name] = sha256(Buffer.from(await res.arrayBuffer()));
    }
    eq(digests, { 'blob.bin': sha256(a), 'notes.txt': sha256(b) }, 'downloaded digests');
    const infos = await client.getFileInfosForPost(post.id);
    eq(infos.map((f) => f.id).sort(), [...ids].sort(), 'getFileInfosForPost');
    await client.logout();
    console.log(JSON.stringify({ post_id: post.id, digests }));
}

main(process.argv.slice(2)).catch((e) => {
    if (e instanceof Mismatch) {
        console.error(`MISMATCH: ${e.message}`);
        process.exit(1);
    }
    console.error(e);
    process.exit(2);
});
