/**
 * The Slack format check that the delivery test's receiver applies: it accepts Slack's own
 * documented attachment example and refuses each kind of mistake (so a pass means something).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mrkdwnLinks, slackMessageProblems } from './slack-format.ts';

/** The example of api.slack.com/reference/messaging/attachments, fields as documented. */
const documented = {
  channel: 'ABCDEBF1',
  attachments: [
    {
      mrkdwn_in: ['text'],
      color: '#36a64f',
      pretext: 'Optional pre-text that appears above the attachment block',
      author_name: 'author_name',
      author_link: 'http://flickr.com/bobby/',
      title: 'title',
      title_link: 'https://api.slack.com/',
      text: 'Optional `text` that appears within the attachment, <https://example.com/x?a=1&b=2|a link>',
      fields: [{ title: "A field's title", value: "This field's value", short: false }],
      footer: 'footer',
      ts: 123456789,
      fallback: 'Plain-text summary of the attachment.',
    },
  ],
};

test('accepts the documented attachment and a plain text message', () => {
  assert.deepEqual(slackMessageProblems(documented), []);
  assert.deepEqual(slackMessageProblems({ text: 'Hello <!here>, see <@U123> in <#C123>' }), []);
});

test('refuses each kind of mistake, naming it', () => {
  const attachment = (extra: Record<string, unknown>) => ({ attachments: [{ ...documented.attachments[0], ...extra }] });
  assert.deepEqual(slackMessageProblems([]), ['the body is not a JSON object']);
  assert.deepEqual(slackMessageProblems({ channel: '#x' }), ['no text, attachments or blocks (Slack answers no_text)']);
  assert.deepEqual(slackMessageProblems({ text: 'x', titel: 'typo' }), ['unknown top-level field "titel"']);
  assert.deepEqual(slackMessageProblems(attachment({ colour: 'red' })), ['attachments[0]: unknown field "colour"']);
  assert.deepEqual(slackMessageProblems(attachment({ color: 'red' })), ['attachments[0].color "red" is neither good/warning/danger nor #RRGGBB']);
  assert.deepEqual(slackMessageProblems(attachment({ fallback: '' })), ['attachments[0]: no fallback (the plain-text summary Slack requires)']);
  assert.deepEqual(slackMessageProblems(attachment({ title_link: '/relative' })), ['attachments[0].title_link is not a URL: /relative']);
  assert.deepEqual(slackMessageProblems(attachment({ mrkdwn_in: ['fallback', 'text'] })), ['attachments[0].mrkdwn_in has "fallback"']);
  assert.deepEqual(slackMessageProblems(attachment({ ts: '123' })), ['attachments[0].ts is string, not number']);
  assert.deepEqual(slackMessageProblems(attachment({ text: 'see <runbook|Runbook>' })), ['attachments[0].text: link <runbook|Runbook> is not a URL']);
  assert.deepEqual(slackMessageProblems(attachment({ fields: [{ title: 't', value: 1 }] })), ['attachments[0].fields[0] needs string title and value']);
  assert.deepEqual(slackMessageProblems({ blocks: [{ text: 'no type' }] }), ['blocks[0] has no type']);
});

test('reads mrkdwn links and leaves mentions alone', () => {
  assert.deepEqual(mrkdwnLinks('<https://a.test/x|Runbook> · <http://b.test/?p=1&q=2|Dashboard> <!channel> <@U1>'), [
    { url: 'https://a.test/x', label: 'Runbook' },
    { url: 'http://b.test/?p=1&q=2', label: 'Dashboard' },
  ]);
});
