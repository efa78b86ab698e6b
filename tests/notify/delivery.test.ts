/**
 * Notifications delivered for real: the generated Alertmanager config (Slack and email from
 * ALERTMANAGER_* variables, secrets in files) and the generated templates, on the pinned
 * Alertmanager 0.28.1 and Debian's 0.25, deliver a firing and a resolved email to a real SMTP
 * server and a firing and a resolved Slack message to a receiver that checks Slack's format.
 * Alerts are POSTed to Alertmanager's v2 API as Prometheus would send them (annotations rendered
 * from the generated rules), with fixed times, so every message is reproducible: the 0.28.1
 * messages are the examples in docs/examples/ (UPDATE_EXAMPLES=1 rewrites them).
 * Headless Chromium renders each email's HTML part and the test reads the rendered page.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { alertmanagerConfig, alertmanagerOptionsFromEnv } from '../../monitoring/generators/alertmanager-config.ts';
import { alertPanelLinks } from '../../monitoring/alert-panels.ts';
import { panelUrl } from '../../monitoring/generators/alertmanager-templates.ts';
import { runbookUrl } from '../../monitoring/lib/format.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { allAlerts } from '../../monitoring/rules/index.ts';
import { renderPage } from '../support/chromium.ts';
import { checkExampleBlocks, checkExampleFile, examplesDir, updateExamples } from '../support/doc-examples.ts';
import { repoRoot, run } from '../core/support.ts';
import { mrkdwnLinks } from './slack-format.ts';
import {
  alertmanagerEngines,
  postAlerts,
  startAlertmanagerOnFreePort,
  startSlackReceiver,
  startSmtpCapture,
  waitFor,
  type AlertmanagerEngine,
  type PortZeroAlertmanager,
  type PostedAlert,
  type ReceivedEmail,
  type SlackPost,
  type SlackReceiver,
  type SmtpCapture,
} from './support.ts';

const templatesFile = join(repoRoot, 'monitoring/alertmanager/templates/notifications.tmpl');
const RERUN = 'npm test -- notify/delivery';
/** What the stack publishes (port 9093): links in the messages do not depend on the test's port. */
const externalUrl = 'http://127.0.0.1:9093';
/** Notifications of one group come at most group_interval (1m) apart; this bounds the wait, not a speed. */
const DELIVERY_TIMEOUT_MS = 150_000;

/** Annotations as Prometheus renders them for these labels and this (already humanized) value. */
function renderAnnotations(alertname: string, labels: Record<string, string>, value: string): Record<string, string> {
  const rule = allAlerts().find((r) => r.alert === alertname);
  if (!rule) throw new Error(`no generated rule ${alertname}`);
  const rendered: Record<string, string> = {};
  for (const [key, text] of Object.entries(rule.annotations)) {
    const out = text
      .replace(/\{\{ \$value(?: \| humanize\w*)? \}\}/g, value)
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
    if (out.includes('{{')) throw new Error(`annotation ${alertname}.${key} has a template this test cannot render: ${text}`);
    rendered[key] = out;
  }
  return rendered;
}

const unhealthyStart = '2026-01-15T09:00:00Z';
const unhealthySecondStart = '2026-01-15T09:01:10Z';
const resolvedAt = '2026-01-15T09:04:37Z';
const unhealthy = (pool: string, value: string, startsAt: string): PostedAlert => {
  const labels = { alertname: 'GrpcPoolUnhealthy', severity: 'critical', service: 'order-service', pool, job: 'grpc-pools', instance: 'order-service' };
  return { labels, annotations: renderAnnotations('GrpcPoolUnhealthy', labels, value), startsAt };
};
// In Alertmanager's order (sorted by labels): inventory-pool before payment-pool.
const firing: PostedAlert[] = [unhealthy('inventory-pool', '40%', unhealthyStart), unhealthy('payment-pool', '25%', unhealthySecondStart)];
const degradedLabels = { alertname: 'GrpcPoolDegraded', severity: 'warning', service: 'payment-service', pool: 'notification-pool', job: 'grpc-pools', instance: 'payment-service' };
const degraded: PostedAlert = { labels: degradedLabels, annotations: renderAnnotations('GrpcPoolDegraded', degradedLabels, '60%'), startsAt: unhealthyStart };
const resolved: PostedAlert[] = firing.map((a) => ({ ...a, endsAt: resolvedAt }));

const unhealthyPanel = alertPanelLinks().find((l) => l.alertname === 'GrpcPoolUnhealthy');
assert.ok(unhealthyPanel);
const ms = (iso: string, offsetMin: number): string => String(Date.parse(iso) + offsetMin * 60_000);
function expectedDashboardUrl(pool: string, startsAt: string, endsAt?: string): string {
  return `${panelUrl(unhealthyPanel!.uid, unhealthyPanel!.panelId)}&var-service=order-service&var-pool=${pool}&from=${ms(startsAt, -15)}&to=${endsAt ? ms(endsAt, 15) : 'now'}`;
}
const expectedRunbook = runbookUrl('GrpcPoolUnhealthy');
const firingTitle = '[FIRING:2] CRITICAL GrpcPoolUnhealthy on order-service';
const resolvedTitle = '[RESOLVED] CRITICAL GrpcPoolUnhealthy on order-service';
const firingWhen = ['firing since 2026-01-15 09:00:00 UTC', 'firing since 2026-01-15 09:01:10 UTC'];
const resolvedWhen = ['resolved after 4m37s (2026-01-15 09:00:00 to 09:04:37 UTC)', 'resolved after 3m27s (2026-01-15 09:01:10 to 09:04:37 UTC)'];

interface Delivery {
  engine: AlertmanagerEngine;
  smtpPassword: string;
  emails: { firing: ReceivedEmail; resolved: ReceivedEmail };
  slack: { firing: SlackPost; resolved: SlackPost; warning: SlackPost };
  allEmails: ReceivedEmail[];
  allSlack: SlackPost[];
  authFailures: string[];
}

/** Run the whole scenario against one Alertmanager build; everything it started is stopped. */
async function deliver(engine: AlertmanagerEngine): Promise<Delivery> {
  const dir = await mkdtemp(join(tmpdir(), 'notify-'));
  let smtp: SmtpCapture | undefined;
  let slack: SlackReceiver | undefined;
  let am: PortZeroAlertmanager | undefined;
  try {
    const smtpPassword = randomBytes(12).toString('hex');
    smtp = await startSmtpCapture({ user: 'alertmanager', password: smtpPassword });
    slack = await startSlackReceiver();
    // Secrets only in files, as in production.
    await writeFile(join(dir, 'slack_api_url'), `${slack.webhookUrl}\n`);
    await writeFile(join(dir, 'smtp_password'), smtpPassword);
    const options = alertmanagerOptionsFromEnv(
      {
        ALERTMANAGER_SLACK_API_URL_FILE: join(dir, 'slack_api_url'),
        ALERTMANAGER_SLACK_CHANNEL: '#grpc-pools',
        ALERTMANAGER_EMAIL_TO: 'oncall@example.test',
        ALERTMANAGER_EMAIL_FROM: 'alertmanager@example.test',
        ALERTMANAGER_SMTP_SMARTHOST: `127.0.0.1:${smtp.port}`,
        ALERTMANAGER_SMTP_USERNAME: 'alertmanager',
        ALERTMANAGER_SMTP_PASSWORD_FILE: join(dir, 'smtp_password'),
        ALERTMANAGER_SMTP_REQUIRE_TLS: 'false',
      },
      // Nobody listens here: the sink is not what this test is about.
      'http://127.0.0.1:9/alerts',
    );
    const configFile = join(dir, 'alertmanager.yml');
    await writeFile(configFile, generatedYaml(alertmanagerConfig({ ...options, templateFiles: [templatesFile] }), 'test'));
    am = await startAlertmanagerOnFreePort(engine.alertmanager, configFile, join(dir, 'data'), externalUrl);

    await postAlerts(am.url, [...firing, degraded]);
    const smtpNow = smtp;
    const slackNow = slack;
    const firingEmail = await waitFor(`${engine.version}: the firing email`, () => smtpNow.emails.find((e) => e.headers.Subject === firingTitle), DELIVERY_TIMEOUT_MS);
    const firingSlack = await waitFor(`${engine.version}: the firing Slack message`, () => slackNow.posts.find((p) => slackTitle(p) === firingTitle), DELIVERY_TIMEOUT_MS);
    const warningSlack = await waitFor(
      `${engine.version}: the warning Slack message`,
      () => slackNow.posts.find((p) => slackTitle(p).includes('GrpcPoolDegraded')),
      DELIVERY_TIMEOUT_MS,
    );
    await postAlerts(am.url, resolved);
    const resolvedEmail = await waitFor(`${engine.version}: the resolved email`, () => smtpNow.emails.find((e) => e.headers.Subject === resolvedTitle), DELIVERY_TIMEOUT_MS);
    const resolvedSlack = await waitFor(`${engine.version}: the resolved Slack message`, () => slackNow.posts.find((p) => slackTitle(p) === resolvedTitle), DELIVERY_TIMEOUT_MS);
    return {
      engine,
      smtpPassword,
      emails: { firing: firingEmail, resolved: resolvedEmail },
      slack: { firing: firingSlack, resolved: resolvedSlack, warning: warningSlack },
      allEmails: [...smtp.emails],
      allSlack: [...slack.posts],
      authFailures: [...smtp.authFailures],
    };
  } catch (err) {
    const refused = slack?.posts.filter((p) => p.problems.length > 0).map((p) => `${p.problems.join('; ')} in ${JSON.stringify(p.body)}`) ?? [];
    throw new Error(`${engine.version}: ${err instanceof Error ? err.message : String(err)}\nSlack messages refused: ${refused.join('\n') || 'none'}\nalertmanager log:\n${am?.process.output() ?? '(not started)'}`);
  } finally {
    await am?.stop();
    await smtp?.stop();
    await slack?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function attachment(post: SlackPost): Record<string, unknown> {
  const attachments = post.body.attachments;
  return Array.isArray(attachments) ? ((attachments[0] ?? {}) as Record<string, unknown>) : {};
}
function slackTitle(post: SlackPost): string {
  return String(attachment(post).title ?? '');
}
function slackText(post: SlackPost): string {
  return String(attachment(post).text ?? '');
}

test('amtool check-config loads the generated templates with Slack and email on, in 0.25 and 0.28.1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'notify-check-'));
  try {
    const options = alertmanagerOptionsFromEnv(
      { ALERTMANAGER_SLACK_API_URL_FILE: '/run/secrets/slack', ALERTMANAGER_EMAIL_TO: 'a@example.test', ALERTMANAGER_EMAIL_FROM: 'b@example.test', ALERTMANAGER_SMTP_SMARTHOST: 'smtp.example.test:587' },
      'http://127.0.0.1:9097/alerts',
    );
    const file = join(dir, 'alertmanager.yml');
    await writeFile(file, generatedYaml(alertmanagerConfig({ ...options, templateFiles: [templatesFile] }), 'test'));
    for (const engine of alertmanagerEngines()) {
      const result = run(engine.amtool, ['check-config', file]);
      assert.equal(result.status, 0, `${engine.version}: ${result.output}`);
      assert.match(result.output, /1 templates/, engine.version);
    }
    // A broken template is refused (the check can fail).
    const broken = join(dir, 'broken.tmpl');
    await writeFile(broken, '{{ define "grpcpool.title" }}{{ .Status {{ end }}');
    await writeFile(file, generatedYaml(alertmanagerConfig({ ...options, templateFiles: [broken] }), 'test'));
    for (const engine of alertmanagerEngines()) assert.notEqual(run(engine.amtool, ['check-config', file]).status, 0, engine.version);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every alert rule links to a panel that exists in its generated dashboard', () => {
  const links = alertPanelLinks();
  assert.deepEqual(links.map((l) => l.alertname).sort(), allAlerts().map((r) => r.alert).sort());
  for (const link of links) {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, `monitoring/grafana/dashboards/${link.uid}.json`), 'utf8')) as { panels: { id: number; type: string }[] };
    const panel = dashboard.panels.find((p) => p.id === link.panelId);
    assert.ok(panel && panel.type !== 'row', `${link.alertname}: panel ${link.panelId} of ${link.uid}`);
  }
});

describe('Slack and email delivered by a real Alertmanager', () => {
  const deliveries: Delivery[] = [];
  before(async () => {
    // Both builds at once: the wait is Alertmanager's group_interval, not CPU.
    deliveries.push(...(await Promise.all(alertmanagerEngines().map((engine) => deliver(engine)))));
  });

  test('firing and resolved emails arrive, logged in with the password from its file, as text and HTML', () => {
    for (const d of deliveries) {
      assert.deepEqual(d.authFailures, [], d.engine.version);
      for (const [state, email] of Object.entries(d.emails)) {
        const where = `${d.engine.version} ${state}`;
        assert.equal(email.content_type, 'multipart/alternative', where);
        assert.deepEqual(Object.keys(email.parts).sort(), ['text/html', 'text/plain'], where);
        assert.deepEqual(email.rcpt_tos, ['oncall@example.test'], where);
        assert.equal(email.mail_from, 'alertmanager@example.test', where);
      }
      // Warnings go to Slack only.
      assert.ok(d.allEmails.every((e) => !e.headers.Subject?.includes('GrpcPoolDegraded')), d.engine.version);
    }
  });

  test('the plain-text email lists each alert on its own line with description, time, runbook and dashboard', () => {
    for (const d of deliveries) {
      const firingText = d.emails.firing.parts['text/plain'] ?? '';
      const resolvedText = d.emails.resolved.parts['text/plain'] ?? '';
      assert.ok(firingText.startsWith(`${firingTitle}\n`), firingText);
      firing.forEach((alert, i) => {
        const pool = alert.labels.pool ?? '';
        assert.ok(firingText.includes(`- [FIRING] ${alert.annotations.description}\n  ${firingWhen[i]}\n`), `${d.engine.version}:\n${firingText}`);
        assert.ok(firingText.includes(`  Dashboard: ${expectedDashboardUrl(pool, alert.startsAt)}\n`), firingText);
        assert.ok(resolvedText.includes(`- [RESOLVED] ${alert.annotations.description}\n  ${resolvedWhen[i]}\n`), resolvedText);
        assert.ok(resolvedText.includes(`  Dashboard: ${expectedDashboardUrl(pool, alert.startsAt, resolvedAt)}\n`), resolvedText);
      });
      assert.equal(firingText.split(`  Runbook: ${expectedRunbook}\n`).length - 1, 2, firingText);
      assert.match(firingText, /Pool payment-pool of order-service has 25% of its connections READY or IDLE, below the 50% unhealthy line\./);
    }
  });

  test('Slack receives firing, warning and resolved messages in Slack\'s incoming-webhook format, one line per alert', () => {
    for (const d of deliveries) {
      for (const post of d.allSlack) assert.deepEqual(post.problems, [], `${d.engine.version}: ${JSON.stringify(post.body)}`);
      const { firing: f, resolved: r, warning: w } = d.slack;
      assert.equal(f.body.channel, '#grpc-pools');
      assert.equal(attachment(f).color, 'danger');
      assert.equal(attachment(r).color, 'good');
      assert.equal(attachment(w).color, 'warning');
      assert.equal(slackTitle(w), '[FIRING:1] WARNING GrpcPoolDegraded on payment-service');
      for (const [post, when, endsAt] of [[f, firingWhen, undefined], [r, resolvedWhen, resolvedAt]] as const) {
        const lines = slackText(post).trimEnd().split('\n');
        assert.equal(lines.length, 2, slackText(post));
        firing.forEach((alert, i) => {
          const line = lines[i] ?? '';
          const pool = alert.labels.pool ?? '';
          assert.ok(line.includes(` ${alert.annotations.description} `), line);
          assert.ok(line.includes(`_${when[i]}_`), line);
          assert.deepEqual(mrkdwnLinks(line), [
            { url: expectedRunbook, label: 'Runbook' },
            { url: expectedDashboardUrl(pool, alert.startsAt, endsAt), label: 'Dashboard' },
          ]);
        });
      }
    }
  });

  test('headless Chromium renders each email: title, descriptions, durations and links on the page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notify-render-'));
    try {
      for (const d of deliveries) {
        for (const [state, email] of Object.entries(d.emails)) {
          const file = join(dir, `${state}.html`);
          await writeFile(file, email.parts['text/html'] ?? '');
          const page = await renderPage(file, { width: 800, selectors: ['#title', '.description', '.when'] });
          const isFiring = state === 'firing';
          assert.deepEqual(page.externalRequests, []);
          assert.deepEqual(page.selected['#title'], [isFiring ? firingTitle : resolvedTitle]);
          assert.deepEqual(page.selected['.description'], firing.map((a) => a.annotations.description));
          assert.deepEqual(page.selected['.when'], isFiring ? firingWhen : resolvedWhen);
          const links = page.links.filter((l) => l.text !== 'Alertmanager');
          assert.deepEqual(
            links,
            firing.flatMap((a) => [
              { text: 'Runbook: what to do', href: expectedRunbook },
              { text: "Dashboard panel at the alert's time", href: expectedDashboardUrl(a.labels.pool ?? '', a.startsAt, isFiring ? undefined : resolvedAt) },
            ]),
            d.engine.version,
          );
          assert.ok(page.text.includes(isFiring ? firingTitle : resolvedTitle));
          if (d.engine.version === '0.28.1' && (updateExamples || !existsSync(join(examplesDir, `email-${state}.png`)))) {
            await mkdir(examplesDir, { recursive: true });
            await writeFile(join(examplesDir, `email-${state}.png`), page.screenshot);
          }
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('docs/examples/ and docs/notifications.md hold exactly what Alertmanager 0.28.1 sent', async () => {
    const d = deliveries.find((x) => x.engine.version === '0.28.1');
    assert.ok(d);
    const text = (email: ReceivedEmail): string => `Subject: ${email.headers.Subject}\n\n${email.parts['text/plain'] ?? ''}`;
    for (const [state, email] of Object.entries(d.emails)) {
      await checkExampleFile(`email-${state}.txt`, text(email), RERUN);
      await checkExampleFile(`email-${state}.html`, email.parts['text/html'] ?? '', RERUN);
    }
    for (const [state, post] of Object.entries(d.slack)) {
      await checkExampleFile(`slack-${state}.json`, `${JSON.stringify(post.body, null, 2)}\n`, RERUN);
    }
    await checkExampleBlocks(
      'docs/notifications.md',
      {
        'email-resolved.txt': { lang: 'text', content: text(d.emails.resolved) },
        'slack-firing.text': { lang: 'text', content: slackText(d.slack.firing) },
      },
      RERUN,
    );
  });
});
