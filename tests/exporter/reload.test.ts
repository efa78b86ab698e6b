/**
 * POST /-/reload: accepted only as blackbox_exporter accepts it (POST, else 405), and only with
 * --web.enable-lifecycle; nothing a web page can send without a preflight (an Origin header, a
 * form or text/plain body) is accepted. A rejected file's error names the line and the key and
 * never a value, a stack trace or a source path, in the answer and in the log.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, startExporter, startHttpServer, type TestExporter, type TestServer } from './support.ts';

const SECRET = 'S3CRET-token-value-7f3a';

describe('POST /-/reload', () => {
  let target: TestServer;
  let exporter: TestExporter;
  const good = (): string => `targets:\n  gw:\n    url: ${target.url}/health\n`;
  const reload = (init: RequestInit = {}) => fetch(`${exporter.url}/-/reload`, { method: 'POST', ...init });

  before(async () => {
    target = await startHttpServer((_req, res) => res.end('{"status":"healthy","services":{}}'));
    exporter = await startExporter(good(), { enableLifecycle: true, env: { POOL_HOST_SECRET: SECRET } });
  });
  after(async () => {
    await exporter?.stop();
    await target?.close();
  });

  it('requires POST (405 with Allow: POST otherwise)', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${exporter.url}/-/reload`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'POST');
    }
    assert.equal((await reload()).status, 200, 'a plain POST, as curl -X POST sends it');
    assert.equal((await reload({ headers: { 'content-type': 'application/json' }, body: '{}' })).status, 200);
  });

  it('refuses what a web page can send cross-origin without a preflight', async () => {
    const before = await (await fetch(`${exporter.url}/metrics`)).text();
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await reload({ headers: { 'content-type': type }, body: 'x' });
      assert.equal(res.status, 415, type);
    }
    const fromPage = await reload({ headers: { origin: 'http://evil.example' } });
    assert.equal(fromPage.status, 403);
    assert.match(await fromPage.text(), /Origin/);
    const timestamp = (text: string) => /^pool_exporter_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(text)?.[1];
    assert.equal(timestamp(await (await fetch(`${exporter.url}/metrics`)).text()), timestamp(before), 'none of them reloaded');
  });

  const rejected: [string, string, RegExp][] = [
    ['a YAML error next to a literal header secret', `targets:\n  gw:\n    url: ${'${POOL_HOST_SECRET:-x}'}\n    headers:\n      Authorization: Bearer ${SECRET}: x\n`, /line 5: Authorization: invalid YAML/],
    ['a ${ENV} expansion that is not a URL', 'targets:\n  gw:\n    url: ${POOL_HOST_SECRET}\n', /line 3: targets\.gw\.url: is not an absolute URL/],
    ['a header value with a line break', `targets:\n  gw:\n    url: http://127.0.0.1:1/\n    headers:\n      X-Key: "${SECRET}\\n"\n`, /line 5: targets\.gw\.headers\.X-Key: the value contains characters not allowed/],
    ['a string where a map belongs', `targets:\n  gw: ${SECRET}\n`, /line 2: targets\.gw: must be a map, got a string/],
    ['an alias bomb', `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntargets: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`, /aliases expand too much/],
  ];
  for (const [what, text, message] of rejected) {
    it(`rejects ${what}: key and line, no value, no stack, no path`, async () => {
      await writeFile(exporter.configFile, text);
      const res = await reload();
      const body = await res.text();
      assert.equal(res.status, 500);
      assert.match(body, /^failed to reload config: /);
      assert.match(body, message);
      const log = (await exporter.log()).split('\n').filter((l) => l.includes('config reload failed')).pop() ?? '';
      assert.match(log, message);
      for (const [where, shown] of [['answer', body], ['log', log]] as const) {
        assert.ok(!shown.includes(SECRET), `${where} shows the secret: ${shown}`);
        assert.doesNotMatch(shown, /\n\s+at |\.ts:\d+/, `${where} has a stack trace: ${shown}`);
      }
      assert.ok(!body.includes(REPO_ROOT) && !body.includes(exporter.dir), `the answer shows a path: ${body}`);
      await writeFile(exporter.configFile, good());
      assert.equal((await reload()).status, 200);
    });
  }
});
