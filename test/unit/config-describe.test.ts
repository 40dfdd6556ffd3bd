// The effective configuration as log lines, with secrets masked (SPEC §7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config-types.ts';
import { describeConfig } from '../../src/config/describe-config.ts';
import { maskSecrets } from '../../src/config/mask-secrets.ts';

describe('describeConfig', () => {
  it('writes one line per key, with the config file names, in table order', () => {
    const lines = describeConfig({
      ...DEFAULT_CONFIG,
      alarmIntervalMs: 60_000,
      alarmMail: ['a@x', 'b@y'],
      alarmGsm: ['13800000000'],
      maxTries: 3,
    });
    assert.deepEqual(lines, [
      'alarm_interval: 60',
      'alarm_mail: a@x b@y',
      'alarm_gsm: 13800000000',
      'max_tries: 3',
      'max_tries_if_coredumped: 0',
      'kill_timeout: 10',
      'mail_transport: sendmail',
      'mail_from: (supervise@<hostname>)',
      'gsm_command: gsmsend-script',
      'alarm_command: (none)',
      'alarm_webhook: (none)',
      'log_max_bytes: 0',
      'log_backups: 1',
      'supervise_log_max_bytes: 16777216',
      "status_group: (none: the status directory is for supervise's user only)",
      'alarm_alertmanager: (none)',
      'alarm_resolve_after: (restart_reset_after)',
      'alarm_resend: 5m',
      "user: (supervise's user)",
      "directory: (supervise's directory)",
      "umask: (supervise's umask)",
      "nice: (supervise's nice value)",
      'environment: (none)',
      'env_file: (none)',
      "limit_nofile: (supervise's limit)",
      "limit_nproc: (supervise's limit)",
      "limit_core: (supervise's limit)",
      "limit_as: (supervise's limit)",
      'redirect_stderr: no',
      'stop_signal: SIGTERM',
      'notify_fd: 0 (off)',
      'ready_check: (none)',
      'ready_check_interval: 1s',
      'check_timeout: 5s',
      'start_seconds: 0 (ready at once)',
      'start_timeout: 0 (no limit)',
      'start_timeout_action: restart',
      'start_retries: 0 (unlimited)',
      'watchdog_timeout: 0 (off)',
      'watchdog_file: (none)',
      'watchdog_signal: SIGABRT',
      'health_check: (none)',
      'health_interval: 10s',
      'health_start_delay: 0',
      'health_retries: 3',
      'health_action: restart',
      'restart: always',
      'success_exit_codes: 0',
      'restart_delay: 1s',
      'restart_delay_max: 0 (no backoff)',
      'restart_reset_after: 1m',
      'reload: none (svc reload is refused)',
      'restart_on_change: no',
      'change_settle: 2s',
      'pid_file: (none: the service runs in the foreground)',
      'command: (none)',
      'requires: (none)',
      'requires_timeout: 0 (wait forever)',
      'requires_stop: no',
      'essential: no',
      'log_to: files',
      'log_format: text',
      'include: (none)',
      'api_listen: (off)',
      'api_token_file: (none)',
    ]);
  });

  it('says that alarms and limits are off when alarm_interval is 0', () => {
    assert.equal(describeConfig({ ...DEFAULT_CONFIG })[0], 'alarm_interval: 0 (alarms and restart limits off)');
  });

  it('masks the SMTP user and password and keeps host and port', () => {
    const lines = describeConfig({ ...DEFAULT_CONFIG, mailTransport: 'smtp://user:secret@host:587' });
    assert.ok(lines.includes('mail_transport: smtp://***:***@host:587'));
    assert.ok(!lines.some((line) => line.includes('secret')));
  });

  it('masks credentials in alarm_webhook and alarm_command', () => {
    const lines = describeConfig({
      ...DEFAULT_CONFIG,
      alarmWebhook: 'https://bot:pw@hooks.example/notify?channel=ops&token=abc123',
      alarmCommand: '/usr/local/bin/page --api-key k3y --team ops',
    });
    assert.ok(lines.includes('alarm_webhook: https://***:***@hooks.example/notify?channel=ops&token=***'));
    assert.ok(lines.includes('alarm_command: /usr/local/bin/page --api-key *** --team ops'));
  });
});

describe('maskSecrets', () => {
  const table: [string, string][] = [
    ['smtps://alerts%40x.com:p%40ss@mx.x.com:465', 'smtps://***:***@mx.x.com:465'],
    ['smtp://user:p@ss@host:25', 'smtp://***:***@host:25'],
    ['smtp://user@host:25', 'smtp://***@host:25'],
    ['smtp://host', 'smtp://host'],
    ['sendmail', 'sendmail'],
    ['https://h/x?password=a&passwd=b&api_key=c&page=2', 'https://h/x?password=***&passwd=***&api_key=***&page=2'],
    ['https://h/cb#access_token=abc&state=1', 'https://h/cb#access_token=***&state=1'],
    [
      'https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXX1234abcdXXXX',
      'https://hooks.slack.com/services/***/***/***',
    ],
    ['https://discord.com/api/webhooks/123456789/abcDEF', 'https://discord.com/api/***/***/***'],
    ['https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage', 'https://api.telegram.org/***/***'],
    ['https://alerts.example/hook/0123456789abcdef0123/notify', 'https://alerts.example/hook/***/notify'],
    ['https://alerts.example/hook?k=Zx81mQ0pLw7rTy5vNb3c&channel=ops', 'https://alerts.example/hook?k=***&channel=ops'],
    ['https://alerts.example/v1/notifications-ops', 'https://alerts.example/v1/notifications-ops'],
    ['/usr/local/bin/page --team ops Zx81mQ0pLw7rTy5vNb3c', '/usr/local/bin/page --team ops ***'],
    ['/usr/local/bin/page "Zx81mQ0pLw7rTy5vNb3c"', '/usr/local/bin/page "***"'],
    ['/usr/local/bin/notify-release-2024 --api_key=k3y', '/usr/local/bin/notify-release-2024 --api_key=***'],
    ['https://ghp_abcdefghijklmnop1234@github.example/hook', 'https://***@github.example/hook'],
    ['notify SMTP_PASSWORD=hunter2 --to ops', 'notify SMTP_PASSWORD=*** --to ops'],
    ['notify --token=abc --verbose', 'notify --token=*** --verbose'],
    ['notify --secret abc --author me', 'notify --secret *** --author me'],
    ['gsmsend-script', 'gsmsend-script'],
  ];
  for (const [input, expected] of table) {
    it(`shows ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(maskSecrets(input), expected);
    });
  }
});
