/**
 * Slack's incoming-webhook message format, as Slack documents it (api.slack.com/messaging/webhooks,
 * reference/messaging/attachments, reference/block-kit/blocks): which top-level fields exist,
 * which fields an attachment may carry and of which type, and that mrkdwn links <url|label> hold
 * real URLs. Returns the problems found; an empty list means Slack would accept and show it.
 */

const TOP_LEVEL = new Set(['text', 'blocks', 'attachments', 'channel', 'username', 'icon_emoji', 'icon_url', 'link_names', 'mrkdwn', 'parse', 'unfurl_links', 'unfurl_media', 'thread_ts', 'reply_broadcast']);

/** Secondary attachment fields (the legacy attachments reference) and their JSON types. */
const ATTACHMENT_FIELDS: Record<string, 'string' | 'array' | 'number' | 'boolean'> = {
  fallback: 'string',
  color: 'string',
  pretext: 'string',
  author_name: 'string',
  author_link: 'string',
  author_icon: 'string',
  title: 'string',
  title_link: 'string',
  text: 'string',
  fields: 'array',
  image_url: 'string',
  thumb_url: 'string',
  footer: 'string',
  footer_icon: 'string',
  ts: 'number',
  mrkdwn_in: 'array',
  actions: 'array',
  callback_id: 'string',
  blocks: 'array',
};
const URL_FIELDS = ['title_link', 'author_link', 'author_icon', 'image_url', 'thumb_url', 'footer_icon'];
const MRKDWN_IN = new Set(['pretext', 'text', 'fields']);
const NAMED_COLORS = new Set(['good', 'warning', 'danger']);

function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:';
  } catch {
    return false;
  }
}

/** <url|label> and <url> links in mrkdwn; <!here>, <@U123> and <#C123> are mentions, not links. */
export function mrkdwnLinks(text: string): { url: string; label: string }[] {
  return [...text.matchAll(/<([^<>|@#!][^<>|]*)(?:\|([^<>]*))?>/g)].map((m) => ({ url: m[1] ?? '', label: m[2] ?? m[1] ?? '' }));
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value;
}

export function slackMessageProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the body is not a JSON object'];
  const message = body as Record<string, unknown>;
  for (const key of Object.keys(message)) if (!TOP_LEVEL.has(key)) problems.push(`unknown top-level field "${key}"`);
  const hasText = typeof message.text === 'string' && message.text.trim() !== '';
  const attachments = message.attachments;
  const blocks = message.blocks;
  if (!hasText && !Array.isArray(attachments) && !Array.isArray(blocks)) problems.push('no text, attachments or blocks (Slack answers no_text)');
  if (blocks !== undefined) {
    if (!Array.isArray(blocks)) problems.push('blocks is not an array');
    else {
      if (blocks.length > 50) problems.push('more than 50 blocks');
      blocks.forEach((b, i) => {
        if (typeof (b as { type?: unknown })?.type !== 'string') problems.push(`blocks[${i}] has no type`);
      });
    }
  }
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return [...problems, 'attachments is not an array'];
    attachments.forEach((raw: unknown, i) => {
      const where = `attachments[${i}]`;
      if (typeof raw !== 'object' || raw === null) {
        problems.push(`${where} is not an object`);
        return;
      }
      const a = raw as Record<string, unknown>;
      for (const [key, value] of Object.entries(a)) {
        const expected = ATTACHMENT_FIELDS[key];
        if (!expected) problems.push(`${where}: unknown field "${key}"`);
        else if (typeOf(value) !== expected) problems.push(`${where}.${key} is ${typeOf(value)}, not ${expected}`);
      }
      if (!(typeof a.fallback === 'string' && a.fallback.trim() !== '')) problems.push(`${where}: no fallback (the plain-text summary Slack requires)`);
      if (typeof a.color === 'string' && !NAMED_COLORS.has(a.color) && !/^#[0-9a-fA-F]{6}$/.test(a.color)) {
        problems.push(`${where}.color "${a.color}" is neither good/warning/danger nor #RRGGBB`);
      }
      for (const key of URL_FIELDS) {
        const value = a[key];
        if (typeof value === 'string' && value !== '' && !isUrl(value)) problems.push(`${where}.${key} is not a URL: ${value}`);
      }
      if (Array.isArray(a.mrkdwn_in)) {
        for (const f of a.mrkdwn_in) if (!MRKDWN_IN.has(String(f))) problems.push(`${where}.mrkdwn_in has "${String(f)}"`);
      }
      if (Array.isArray(a.fields)) {
        a.fields.forEach((f: unknown, j) => {
          const field = f as Record<string, unknown>;
          if (typeof field?.title !== 'string' || typeof field.value !== 'string') problems.push(`${where}.fields[${j}] needs string title and value`);
          if (field?.short !== undefined && typeof field.short !== 'boolean') problems.push(`${where}.fields[${j}].short is not a boolean`);
        });
      }
      for (const key of ['text', 'pretext'] as const) {
        const value = a[key];
        if (typeof value !== 'string') continue;
        for (const link of mrkdwnLinks(value)) if (!isUrl(link.url)) problems.push(`${where}.${key}: link <${link.url}|${link.label}> is not a URL`);
      }
    });
  }
  return problems;
}
