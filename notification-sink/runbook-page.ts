/**
 * docs/runbooks.md as a readable HTML page, so the alerts' runbook_url opens on the stack itself
 * (the notification sink serves it at /runbooks). Only the Markdown the runbooks use: headings
 * (with GitHub's anchors, the lower-cased alert name), paragraphs, lists, fenced code, tables,
 * `code`, **bold**, *emphasis* and links. Everything is HTML-escaped first.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

/** Inline Markdown of one escaped-on-the-way line of text. */
function inline(text: string): string {
  const parts = text.split(/(`[^`]+`)/);
  return parts
    .map((part) => {
      if (/^`[^`]+`$/.test(part)) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?![*\w])/g, '$1<em>$2</em>')
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) =>
          // Only web links and anchors on this page; a repository path has no page here.
          /^(https?:|#)/.test(href) ? `<a href="${href}">${label}</a>` : label,
        );
    })
    .join('');
}

function tableRow(line: string, cell: 'th' | 'td'): string {
  const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|');
  return `<tr>${cells.map((c) => `<${cell}>${inline(c.trim())}</${cell}>`).join('')}</tr>`;
}

export function renderMarkdown(markdown: string): string {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1]?.length ?? 1;
      const text = heading[2] ?? '';
      const id = headingAnchor(text);
      out.push(`<h${level} id="${escapeHtml(id)}"><a class="anchor" href="#${escapeHtml(id)}">#</a> ${inline(text)}</h${level}>`);
      i += 1;
      continue;
    }
    if (line.startsWith('```')) {
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !(lines[i] ?? '').startsWith('```')) code.push(lines[i++] ?? '');
      i += 1;
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.trimStart().startsWith('|')) {
      const rows: string[] = [];
      let header = true;
      while (i < lines.length && (lines[i] ?? '').trimStart().startsWith('|')) {
        const row = lines[i++] ?? '';
        if (/^\s*\|[\s|:-]+\|\s*$/.test(row)) continue; // the --- separator
        rows.push(tableRow(row, header ? 'th' : 'td'));
        header = false;
      }
      out.push(`<table>${rows.join('')}</table>`);
      continue;
    }
    const listItem = /^(\s*)([-*]|\d+\.)\s+(.*)$/;
    if (listItem.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length) {
        const current = lines[i] ?? '';
        const item = listItem.exec(current);
        if (item) items.push(item[3] ?? '');
        else if (/^\s+\S/.test(current) && items.length > 0) items[items.length - 1] += ` ${current.trim()}`;
        else break;
        i += 1;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((it) => `<li>${inline(it)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length) {
      const current = lines[i] ?? '';
      if (!current.trim() || /^(#{1,6}\s|```|\s*\||\s*([-*]|\d+\.)\s)/.test(current)) break;
      paragraph.push(current.trim());
      i += 1;
    }
    out.push(`<p>${inline(paragraph.join(' '))}</p>`);
  }
  return out.join('\n');
}

export function runbookPage(markdown: string, source: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Runbooks</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5;padding:0 1em}
code{background:#f3f3f3;padding:0 3px}pre{background:#f3f3f3;padding:8px;overflow:auto}
td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}a.anchor{color:#bbb;text-decoration:none}
h2:target{background:#ffd}</style>
</head><body>
${renderMarkdown(markdown)}
<hr><p><small>Rendered from ${escapeHtml(source)} by the notification sink. Notifications: <a href="/">/</a>.</small></p>
</body></html>`;
}
