// Posts to a Perch incoming webhook with the real `IncomingWebhook` of @slack/webhook (8.0.2)
// under Node.
//
// Usage: node slack_webhook_sender.mjs NODE_MODULES BASE_URL HOOK_ID OTHER_CHANNEL DM_USERNAME DM_USER_ID
//
// Sends a string with Slack markup and a user reference, an object with attachments and every
// override (`username`, `icon_emoji`, `channel: '#…'`), an attachment without text, a message
// through the constructor's defaults, one to `@DM_USERNAME`, and one with the Slack-only fields
// Mattermost ignores; each must resolve to `{text: 'ok'}`. Then two failing calls (unknown hook,
// unknown channel) must reject with IncomingWebhookHTTPError carrying the status and
// Mattermost's error body. The Rust test (tests/api/real_senders.rs) checks the posts through
// the REST API. Exits non-zero with a message on the first mismatch.

import { createRequire } from 'node:module';
import path from 'node:path';

const GENERAL = 'web.incoming_webhook.general.app_error';

class Mismatch extends Error {}

function eq(got, want, what) {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) {
        throw new Mismatch(`${what}: got ${g}, want ${w}`);
    }
}

async function sent(promise, what) {
    const result = await promise;
    eq(result, { text: 'ok' }, `${what}: result`);
}

async function refused(promise, status, IncomingWebhookHTTPError, what) {
    let err;
    try {
        await promise;
    } catch (e) {
        err = e;
    }
    if (err === undefined) {
        throw new Mismatch(`${what}: the send did not reject`);
    }
    if (!(err instanceof IncomingWebhookHTTPError)) {
        throw new Mismatch(`${what}: rejected with ${err?.name}: ${err?.message}, want IncomingWebhookHTTPError`);
    }
    eq(err.code, 'slack_webhook_http_error', `${what}: error code`);
    eq(err.statusCode, status, `${what}: statusCode`);
    let body;
    try {
        body = JSON.parse(err.body);
    } catch (e) {
        throw new Mismatch(`${what}: error body is not JSON (${e.message}): ${err.body}`);
    }
    eq(body.id, GENERAL, `${what}: error id`);
    eq(body.status_code, status, `${what}: error status_code`);
}

async function main(argv) {
    if (argv.length !== 6) {
        throw new Mismatch('usage: slack_webhook_sender.mjs NODE_MODULES BASE_URL HOOK_ID OTHER_CHANNEL DM_USERNAME DM_USER_ID');
    }
    const [nodeModules, baseUrl, hookId, otherChannel, dmUsername, dmUserId] = argv;
    const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
    const { IncomingWebhook, IncomingWebhookHTTPError } = require('@slack/webhook');
    const url = `${baseUrl}/hooks/${hookId}`;
    const hook = new IncomingWebhook(url);

    await sent(
        hook.send(`Ping <@${dmUserId}>: please review &lt;PR 12&gt; at <https://git.example.com/pr/12|#12>`),
        'send(string)',
    );

    await sent(
        hook.send({
            text: 'Nightly report',
            attachments: [
                {
                    color: 'good',
                    author_name: 'nightly',
                    author_icon: 'https://cdn.example.com/n.png',
                    title: 'Results &amp; timings',
                    text: 'All <https://r.example.com|42 suites> passed',
                    fields: [
                        { title: 'Passed', value: 42, short: true },
                        { title: 'Flaky', value: false, short: 'true' },
                    ],
                    image_url: 'https://cdn.example.com/chart.png',
                    thumb_url: 'https://cdn.example.com/t.png',
                    footer: 'nightly',
                    footer_icon: 'https://cdn.example.com/f.png',
                    ts: '1700000000.000100',
                },
            ],
            username: 'nightly-bot',
            icon_emoji: ':rocket:',
            channel: `#${otherChannel}`,
        }),
        'send(object) with attachments and overrides',
    );

    await sent(
        hook.send({
            attachments: [{ fallback: 'only an attachment', color: 'warning', text: 'no top-level text' }],
        }),
        'attachments without text',
    );

    const withDefaults = new IncomingWebhook(url, {
        username: 'default-bot',
        icon_url: 'https://cdn.example.com/default.png',
    });
    await sent(withDefaults.send('Sent with the constructor defaults'), 'defaults');

    await sent(hook.send({ text: 'A direct message: 日本語 ✓', channel: `@${dmUsername}` }), 'to @user');

    await sent(
        hook.send({
            text: 'Slack-only fields are ignored',
            link_names: true,
            unfurl_links: false,
            unfurl_media: false,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*not shown*' } }],
        }),
        'Slack-only fields',
    );

    await refused(
        new IncomingWebhook(`${baseUrl}/hooks/${'x'.repeat(26)}`).send('to nowhere'),
        400,
        IncomingWebhookHTTPError,
        'unknown hook',
    );
    await refused(
        hook.send({ text: 'lost', channel: '#no-such-channel' }),
        404,
        IncomingWebhookHTTPError,
        'unknown channel',
    );

    console.log('slack_webhook_sender: ok');
}

try {
    await main(process.argv.slice(2));
} catch (e) {
    if (e instanceof Mismatch) {
        console.error(`slack_webhook_sender: MISMATCH: ${e.message}`);
        process.exit(1);
    }
    console.error('slack_webhook_sender: EXCEPTION:', e);
    process.exit(2);
}
