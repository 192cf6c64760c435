// Slash commands with the real `Client4` from @mattermost/client (11.9.0) under Node.
//
// Usage: node client4_commands.mjs NODE_MODULES_DIR BASE_URL LOGIN_ID PASSWORD TEAM_ID CHANNEL_ID COMMAND_URL
//
// Creates a GET command pointing at COMMAND_URL (a test server that answers
// `deployed: <text> token=<token> method=<method>` in the channel), lists it, edits it,
// regenerates its token, executes it and a built-in, checks the ClientError of an unknown
// trigger, and deletes it. Exits non-zero with a message on the first mismatch.

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

async function main(argv) {
    if (argv.length !== 7) {
        throw new Mismatch('usage: client4_commands.mjs NODE_MODULES BASE_URL LOGIN PASSWORD TEAM_ID CHANNEL_ID URL');
    }
    const [nodeModules, baseUrl, loginId, password, teamId, channelId, url] = argv;
    const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
    const { Client4, ClientError } = require('@mattermost/client');

    const client = new Client4();
    client.setUrl(baseUrl);
    const me = await client.login(loginId, password);

    const cmd = await client.addCommand({
        team_id: teamId,
        trigger: 'NodeDeploy',
        method: 'G',
        url,
        display_name: 'Deploy',
        description: 'Deploys from Node',
        auto_complete: true,
        auto_complete_desc: 'deploy something',
        auto_complete_hint: '[env]',
    });
    check(typeof cmd === 'object' && cmd !== null, `addCommand returned ${typeof cmd}`);
    eq(cmd.trigger, 'nodedeploy', 'stored trigger');
    eq(cmd.token.length, 26, 'token length');
    eq(cmd.creator_id, me.id, 'creator_id');

    const custom = await client.getCustomTeamCommands(teamId);
    check(Array.isArray(custom), `getCustomTeamCommands returned ${typeof custom}`);
    const mine = custom.filter((c) => c.id === cmd.id);
    eq(mine.length, 1, 'the command in the custom list');
    eq(mine[0].token, cmd.token, 'custom list shows the token');

    const all = await client.getCommandsList(teamId);
    check(all.some((c) => c.trigger === 'echo'), 'built-in /echo missing from getCommandsList');
    eq(all.find((c) => c.trigger === 'nodedeploy').url, '', 'getCommandsList is sanitized');

    const auto = await client.getAutocompleteCommandsList(teamId);
    const autoTriggers = auto.map((c) => c.trigger);
    check(autoTriggers.includes('nodedeploy') && autoTriggers.includes('me'), `autocomplete: ${autoTriggers}`);

    const edited = await client.editCommand({ ...cmd, description: 'updated from node' });
    eq(edited.description, 'updated from node', 'edited description');
    eq(edited.token, cmd.token, 'token kept by edit');

    const { token } = await client.regenCommandToken(cmd.id);
    check(typeof token === 'string' && token.length === 26 && token !== cmd.token, `regenerated token ${token}`);

    const resp = await client.executeCommand('/nodedeploy prod', { channel_id: channelId, team_id: teamId });
    const want = `deployed: prod token=${token} method=GET`;
    eq(resp.text, want, 'command response text');
    eq(resp.response_type, 'in_channel', 'response_type');
    eq(resp.trigger_id.length, 26, 'trigger_id returned to the client');

    const echo = await client.executeCommand('/echo hello from node', { channel_id: channelId, team_id: teamId });
    eq(echo.text, '', '/echo answers with an empty response');
    const shrug = await client.executeCommand('/logout', { channel_id: channelId, team_id: teamId });
    eq(shrug.goto_location, '/login', '/logout goto_location');

    const posts = await client.getPosts(channelId);
    const messages = Object.values(posts.posts).map((p) => p.message);
    check(messages.includes(want), `the in_channel response was not posted: ${JSON.stringify(messages)}`);
    check(messages.includes('hello from node'), `/echo did not post: ${JSON.stringify(messages)}`);

    let err = null;
    try {
        await client.executeCommand('/no-such-command', { channel_id: channelId, team_id: teamId });
    } catch (e) {
        err = e;
    }
    check(err instanceof ClientError, `unknown trigger: ${err}`);
    eq(err.status_code, 404, 'unknown trigger status');
    eq(err.server_error_id, 'api.command.execute_command.not_found.app_error', 'unknown trigger error id');

    eq(await client.deleteCommand(cmd.id), { status: 'OK' }, 'deleteCommand answer');
    const left = await client.getCustomTeamCommands(teamId);
    check(!left.some((c) => c.id === cmd.id), 'the deleted command is still listed');

    await client.logout();
    console.log('ok');
}

main(process.argv.slice(2)).catch((e) => {
    if (e instanceof Mismatch) {
        console.error(`MISMATCH: ${e.message}`);
        process.exit(1);
    }
    console.error(e && e.stack ? e.stack : e);
    process.exit(2);
});
