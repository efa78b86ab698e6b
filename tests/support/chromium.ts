/**
 * Headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON), so a test reads what the
 * rendered page shows: its visible text, its links as the browser resolved them, a screenshot.
 * No browser download, no WebSocket, no port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? 'chromium';

export interface RenderedLink {
  text: string;
  /** The absolute URL the browser would open (a.href). */
  href: string;
}

export interface RenderedPage {
  title: string;
  /** document.body.innerText: the text as laid out on screen (hidden text excluded). */
  text: string;
  links: RenderedLink[];
  /** Elements' text by CSS selector, for the selectors asked for. */
  selected: Record<string, string[]>;
  /** Rendered sizes (CSS px) of the same elements: what the reader sees, e.g. bar lengths. */
  boxes: Record<string, { width: number; height: number }[]>;
  /** Inline <svg> elements on the page. */
  svgCount: number;
  /** Requests the page tried to make to anything but its own file (must be none: self-contained). */
  externalRequests: string[];
  screenshot: Buffer;
  width: number;
  height: number;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

class Cdp {
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private listeners: ((m: CdpMessage) => void)[] = [];
  private buffer = '';

  constructor(
    private readonly input: Writable,
    output: Readable,
  ) {
    output.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let end: number;
      while ((end = this.buffer.indexOf('\0')) !== -1) {
        const message = JSON.parse(this.buffer.slice(0, end)) as CdpMessage;
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) waiter?.reject(new Error(`CDP: ${message.error.message}`));
          else waiter?.resolve(message.result ?? {});
        } else {
          for (const listener of this.listeners) listener(message);
        }
      }
    });
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  on(listener: (m: CdpMessage) => void): void {
    this.listeners.push(listener);
  }

  failAll(reason: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
  }
}

/** Open a local HTML file, or a page served over http(s), in headless Chromium and read the rendered page. */
export async function renderPage(file: string, { width = 1000, selectors = [] as string[] } = {}): Promise<RenderedPage> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-'));
  const child: ChildProcess = spawn(
    CHROMIUM_BIN,
    [
      '--headless',
      '--remote-debugging-pipe',
      // Root in a container has no user namespace sandbox.
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--hide-scrollbars',
      '--font-render-hinting=none',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    // Its own process group: the renderer, zygote and crashpad children outlive the browser
    // process and keep writing into the profile, so cleanup stops the whole group.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8000);
  });
  const cdp = new Cdp(child.stdio[3] as Writable, child.stdio[4] as Readable);
  child.on('exit', (code) => cdp.failAll(new Error(`chromium exited (${code}): ${stderr}`)));
  try {
    const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const pageUrl = /^https?:\/\//.test(file) ? file : pathToFileURL(file).href;
    const externalRequests: string[] = [];
    let loaded: () => void = () => {};
    const load = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    cdp.on((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === 'Page.loadEventFired') loaded();
      if (m.method === 'Network.requestWillBeSent') {
        const url = (m.params?.request as { url?: string } | undefined)?.url ?? '';
        if (url !== pageUrl && !url.startsWith('data:')) externalRequests.push(url);
      }
    });
    await cdp.send('Page.enable', {}, sessionId);
    await cdp.send('Network.enable', {}, sessionId);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width, height: 800, deviceScaleFactor: 1, mobile: false }, sessionId);
    await cdp.send('Page.navigate', { url: pageUrl }, sessionId);
    await load;
    const expression = `(() => {
      const sel = ${JSON.stringify(selectors)};
      const selected = {};
      const boxes = {};
      for (const s of sel) {
        const found = [...document.querySelectorAll(s)];
        selected[s] = found.map((e) => e.textContent.trim());
        boxes[s] = found.map((e) => { const r = e.getBoundingClientRect(); return { width: r.width, height: r.height }; });
      }
      return JSON.stringify({
        title: document.title,
        text: document.body.innerText,
        links: [...document.querySelectorAll('a[href]')].map((a) => ({ text: a.innerText.trim(), href: a.href })),
        selected,
        boxes,
        svgCount: document.querySelectorAll('svg').length,
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
      });
    })()`;
    const evaluated = (await cdp.send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as { result: { value: string } };
    const page = JSON.parse(evaluated.result.value) as Omit<RenderedPage, 'screenshot' | 'externalRequests'>;
    await cdp.send('Emulation.setDeviceMetricsOverride', { width, height: Math.min(page.height, 6000), deviceScaleFactor: 1, mobile: false }, sessionId);
    const shot = (await cdp.send('Page.captureScreenshot', { format: 'png' }, sessionId)) as { data: string };
    await cdp.send('Browser.close').catch(() => undefined);
    return { ...page, externalRequests, screenshot: Buffer.from(shot.data, 'base64') };
  } finally {
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
    await exited;
    // A child killed a moment ago may still be unlinking its files: retry ENOTEMPTY/EBUSY.
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
