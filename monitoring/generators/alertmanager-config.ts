/**
 * alertmanager.yml: routes by severity, grouped per alert and service, with inhibitions.
 * Every receiver posts to the notification sink (a webhook); Slack and email are added when
 * configured, with their secrets read from files at run time so no secret is ever in git.
 * Only fields that both Alertmanager 0.25 (Debian) and 0.28 (compose) accept.
 */
import { poolExporterService, ports } from '../config/stack.ts';
import { generatedYaml } from '../lib/yaml.ts';

export interface SlackOptions {
  /** File holding the incoming-webhook URL (a secret). */
  apiUrlFile: string;
  channel: string;
}

export interface EmailOptions {
  to: string;
  from: string;
  /** host:port of the SMTP server. */
  smarthost: string;
  authUsername?: string;
  /** File holding the SMTP password (a secret). */
  authPasswordFile?: string;
  requireTls?: boolean;
}

export interface AlertmanagerConfigOptions {
  /** Webhook URL of the notification sink. */
  sinkUrl: string;
  /** File holding the sink's shared token, sent as `Authorization: Bearer` (none: no header). */
  sinkTokenFile?: string;
  slack?: SlackOptions;
  email?: EmailOptions;
  /**
   * Template files (globs) for the Slack and email messages; relative paths are relative to the
   * config file's folder. Default: the generated templates beside the committed config.
   */
  templateFiles?: string[];
}

/** The generated notification templates, relative to monitoring/alertmanager/. */
export const defaultTemplateFiles = ['templates/*.tmpl'];

export const composeSinkUrl = `http://notification-sink:${ports.notificationSink}/alerts`;
/** Where compose mounts the sink's token (a compose secret; stack:up creates the file). */
export const composeSinkTokenFile = '/run/secrets/notification_sink_token';

/** Pool warnings that a dead pool manager or a dead exporter explains away. */
const POOL_WARNINGS = ['GrpcPoolDegraded', 'GrpcPoolConnectionsFailing', 'PoolHealthProbeFailing'];

/** Read Slack and email settings from the environment (unset variables: that channel is off). */
export function alertmanagerOptionsFromEnv(env: NodeJS.ProcessEnv, sinkUrl: string, sinkTokenFile?: string): AlertmanagerConfigOptions {
  const options: AlertmanagerConfigOptions = { sinkUrl, ...(sinkTokenFile ? { sinkTokenFile } : {}) };
  if (env.ALERTMANAGER_SLACK_API_URL_FILE) {
    options.slack = { apiUrlFile: env.ALERTMANAGER_SLACK_API_URL_FILE, channel: env.ALERTMANAGER_SLACK_CHANNEL ?? '#alerts' };
  }
  if (env.ALERTMANAGER_EMAIL_TO) {
    const { ALERTMANAGER_EMAIL_FROM: from, ALERTMANAGER_SMTP_SMARTHOST: smarthost } = env;
    if (!from || !smarthost) {
      throw new Error('alertmanager config: ALERTMANAGER_EMAIL_TO is set, so ALERTMANAGER_EMAIL_FROM and ALERTMANAGER_SMTP_SMARTHOST are required too');
    }
    options.email = {
      to: env.ALERTMANAGER_EMAIL_TO,
      from,
      smarthost,
      authUsername: env.ALERTMANAGER_SMTP_USERNAME,
      authPasswordFile: env.ALERTMANAGER_SMTP_PASSWORD_FILE,
      requireTls: env.ALERTMANAGER_SMTP_REQUIRE_TLS !== 'false',
    };
  }
  return options;
}

function receiver(name: string, options: AlertmanagerConfigOptions, channels: { slack: boolean; email: boolean }) {
  const webhook: Record<string, unknown> = { url: options.sinkUrl, send_resolved: true };
  if (options.sinkTokenFile) {
    webhook.http_config = { authorization: { type: 'Bearer', credentials_file: options.sinkTokenFile } };
  }
  const result: Record<string, unknown> = { name, webhook_configs: [webhook] };
  if (channels.slack && options.slack) {
    result.slack_configs = [
      {
        api_url_file: options.slack.apiUrlFile,
        channel: options.slack.channel,
        send_resolved: true,
        // Templates of monitoring/generators/alertmanager-templates.ts.
        title: '{{ template "grpcpool.slack.title" . }}',
        text: '{{ template "grpcpool.slack.text" . }}',
        color: '{{ template "grpcpool.slack.color" . }}',
        fallback: '{{ template "grpcpool.slack.fallback" . }}',
        // Slack formats only these (its attachment reference); the default also lists fallback.
        mrkdwn_in: ['pretext', 'text'],
      },
    ];
  }
  if (channels.email && options.email) {
    const { to, from, smarthost, authUsername, authPasswordFile, requireTls } = options.email;
    result.email_configs = [
      {
        to,
        from,
        smarthost,
        send_resolved: true,
        require_tls: requireTls ?? true,
        headers: { Subject: '{{ template "grpcpool.email.subject" . }}' },
        // Both parts: Alertmanager sends multipart/alternative, readable with or without HTML.
        html: '{{ template "grpcpool.email.html" . }}',
        text: '{{ template "grpcpool.email.text" . }}',
        ...(authUsername ? { auth_username: authUsername } : {}),
        ...(authPasswordFile ? { auth_password_file: authPasswordFile } : {}),
      },
    ];
  }
  return result;
}

export function alertmanagerConfig(options: AlertmanagerConfigOptions): Record<string, unknown> {
  try {
    new URL(options.sinkUrl);
  } catch {
    throw new Error(`alertmanager config: sinkUrl is not a URL: ${JSON.stringify(options.sinkUrl)}`);
  }
  return {
    global: { resolve_timeout: '5m' },
    templates: options.templateFiles ?? defaultTemplateFiles,
    route: {
      receiver: 'default',
      group_by: ['alertname', 'service'],
      group_wait: '10s',
      group_interval: '1m',
      repeat_interval: '4h',
      routes: [
        // Critical: notify fast (the end-to-end test measures detection to notification).
        { matchers: ['severity="critical"'], receiver: 'critical', group_wait: '5s', repeat_interval: '1h' },
        { matchers: ['severity="warning"'], receiver: 'warning' },
        { matchers: ['severity="info"'], receiver: 'info', group_wait: '1m', repeat_interval: '24h' },
      ],
    },
    inhibit_rules: [
      // The same problem at critical level makes its warning noise.
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'service'] },
      // An unhealthy pool has failing connections by definition: the warning repeats the page.
      {
        source_matchers: ['alertname="GrpcPoolUnhealthy"'],
        target_matchers: ['alertname="GrpcPoolConnectionsFailing"'],
        equal: ['service', 'pool'],
      },
      // Without a pool manager, the pool warnings of that service say nothing new.
      {
        source_matchers: ['alertname="GrpcPoolManagerUnavailable"'],
        target_matchers: [`alertname=~"${POOL_WARNINGS.join('|')}"`],
        equal: ['service'],
      },
      // Without the exporter, no pool of any service is observed.
      {
        source_matchers: ['alertname="PoolExporterDown"', `service="${poolExporterService}"`],
        target_matchers: [`alertname=~"${POOL_WARNINGS.join('|')}"`],
      },
    ],
    receivers: [
      receiver('default', options, { slack: false, email: false }),
      receiver('critical', options, { slack: true, email: true }),
      receiver('warning', options, { slack: true, email: false }),
      receiver('info', options, { slack: false, email: false }),
    ],
  };
}

/** The config as the YAML text Alertmanager reads (what `npm run generate` writes for the sink only). */
export function alertmanagerYaml(options: AlertmanagerConfigOptions): string {
  return generatedYaml(alertmanagerConfig(options), 'monitoring/generators/alertmanager-config.ts');
}
