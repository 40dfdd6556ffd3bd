// The readiness, watchdog and health keys (SPEC §14, §15): parsing, warnings, the log dump, and
// the combinations refused as a whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/config-file.ts';
import { configProblems } from '../../src/config/config-problems.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { describeConfig } from '../../src/config/describe-config.ts';

function parse(body: string) {
  return parseConfigText(`[web]\n${body}\n`, 'supervise.conf', 'web');
}

function texts(warnings: { text: string }[]): string[] {
  return warnings.map((warning) => warning.text);
}

describe('readiness, watchdog and health keys', () => {
  it('default to Part one behaviour: no notify fd, no checks, no watchdog, ready at once', () => {
    const { config, warnings } = parse('');
    assert.deepEqual(warnings, []);
    assert.equal(config.notifyFd, 0);
    assert.equal(config.readyCheck, null);
    assert.equal(config.healthCheck, null);
    assert.equal(config.readyCheckIntervalMs, 1000);
    assert.equal(config.checkTimeoutMs, 5000);
    assert.equal(config.startSecondsMs, 0);
    assert.equal(config.startTimeoutMs, 0);
    assert.equal(config.startTimeoutAction, 'restart');
    assert.equal(config.startRetries, 0);
    assert.equal(config.watchdogTimeoutMs, 0);
    assert.equal(config.watchdogSignal, 'SIGABRT');
    assert.equal(config.healthIntervalMs, 10_000);
    assert.equal(config.healthStartDelayMs, 0);
    assert.equal(config.healthRetries, 3);
    assert.equal(config.healthAction, 'restart');
  });

  const forms: { line: string; field: keyof ServiceConfig; value: unknown }[] = [
    { line: 'notify_fd : 3', field: 'notifyFd', value: 3 },
    { line: 'notify_fd : 0', field: 'notifyFd', value: 0 },
    { line: 'ready_check_interval : 250ms', field: 'readyCheckIntervalMs', value: 250 },
    { line: 'check_timeout : 1.5', field: 'checkTimeoutMs', value: 1500 },
    { line: 'start_seconds : 2m', field: 'startSecondsMs', value: 120_000 },
    { line: 'start_timeout : 1h', field: 'startTimeoutMs', value: 3_600_000 },
    { line: 'start_timeout_action : ready', field: 'startTimeoutAction', value: 'ready' },
    { line: 'start_timeout_action : stop', field: 'startTimeoutAction', value: 'stop' },
    { line: 'start_retries : 5', field: 'startRetries', value: 5 },
    { line: 'watchdog_timeout : 30s', field: 'watchdogTimeoutMs', value: 30_000 },
    { line: 'watchdog_file : /run/app/alive', field: 'watchdogFile', value: '/run/app/alive' },
    { line: 'watchdog_signal : TERM', field: 'watchdogSignal', value: 'SIGTERM' },
    { line: 'watchdog_signal : SIGQUIT', field: 'watchdogSignal', value: 'SIGQUIT' },
    { line: 'watchdog_signal : sigkill', field: 'watchdogSignal', value: 'SIGKILL' },
    { line: 'watchdog_signal : 6', field: 'watchdogSignal', value: 'SIGABRT' },
    { line: 'watchdog_signal : 15', field: 'watchdogSignal', value: 'SIGTERM' },
    { line: 'health_interval : 2s', field: 'healthIntervalMs', value: 2000 },
    { line: 'health_start_delay : 0.5', field: 'healthStartDelayMs', value: 500 },
    { line: 'health_retries : 1', field: 'healthRetries', value: 1 },
    { line: 'health_action : alarm', field: 'healthAction', value: 'alarm' },
    {
      line: 'ready_check : tcp://127.0.0.1:6379',
      field: 'readyCheck',
      value: { kind: 'tcp', text: 'tcp://127.0.0.1:6379', host: '127.0.0.1', port: 6379 },
    },
    {
      line: 'ready_check : tcp://[::1]:80',
      field: 'readyCheck',
      value: { kind: 'tcp', text: 'tcp://[::1]:80', host: '::1', port: 80 },
    },
    {
      line: 'health_check : http://localhost:8080/healthz?deep=1',
      field: 'healthCheck',
      value: { kind: 'http', text: 'http://localhost:8080/healthz?deep=1', url: 'http://localhost:8080/healthz?deep=1' },
    },
    {
      line: `health_check : exec:sh -c 'exit 0'`,
      field: 'healthCheck',
      value: { kind: 'exec', text: "exec:sh -c 'exit 0'", argv: ['sh', '-c', 'exit 0'] },
    },
    { line: 'health_check : no', field: 'healthCheck', value: null },
  ];
  for (const { line, field, value } of forms) {
    it(`reads "${line}"`, () => {
      const { config, warnings } = parse(line);
      assert.deepEqual(texts(warnings), []);
      assert.deepEqual(config[field], value);
    });
  }

  const refused: { line: string; field: keyof ServiceConfig; warning: RegExp }[] = [
    { line: 'notify_fd : 1', field: 'notifyFd', warning: /^supervise\.conf:2: notify_fd must be 3 or more .*found "1"; keeping the default$/ },
    { line: 'notify_fd : 2', field: 'notifyFd', warning: /^supervise\.conf:2: notify_fd must be 3 or more/ },
    { line: 'notify_fd : -3', field: 'notifyFd', warning: /^supervise\.conf:2: notify_fd: expected an integer from 0 to 1023/ },
    { line: 'notify_fd : 4096', field: 'notifyFd', warning: /^supervise\.conf:2: notify_fd: expected an integer from 0 to 1023/ },
    { line: 'check_timeout : 5 s', field: 'checkTimeoutMs', warning: /^supervise\.conf:2: check_timeout: expected a duration above 0 .*found "5 s"; keeping the default$/ },
    { line: 'check_timeout : 0', field: 'checkTimeoutMs', warning: /^supervise\.conf:2: check_timeout: expected a duration above 0/ },
    { line: 'health_interval : 0ms', field: 'healthIntervalMs', warning: /health_interval: expected a duration above 0/ },
    { line: 'start_timeout : -1', field: 'startTimeoutMs', warning: /^supervise\.conf:2: start_timeout: expected a duration of at most/ },
    { line: 'start_seconds : 1d', field: 'startSecondsMs', warning: /start_seconds: expected a duration .*found "1d"/ },
    { line: 'watchdog_timeout : 30 days', field: 'watchdogTimeoutMs', warning: /watchdog_timeout: expected a duration/ },
    { line: 'start_timeout_action : kill', field: 'startTimeoutAction', warning: /start_timeout_action: expected restart, stop, ready, found "kill"/ },
    { line: 'health_action : Restart', field: 'healthAction', warning: /health_action: expected restart, alarm, stop, found "Restart"/ },
    { line: 'health_retries : 0', field: 'healthRetries', warning: /health_retries: expected a non-negative integer \(failed probes\) of at least 1/ },
    { line: 'watchdog_signal : ABORT', field: 'watchdogSignal', warning: /watchdog_signal: expected a signal name \(ABRT, SIGABRT\) or number \(6\), found "ABORT"/ },
    { line: 'watchdog_signal : 99', field: 'watchdogSignal', warning: /watchdog_signal: expected a signal name/ },
    { line: 'ready_check : localhost:80', field: 'readyCheck', warning: /^supervise\.conf:2: ready_check: expected tcp:\/\/HOST:PORT, http:\/\/HOST\[:PORT\]\/PATH or exec:PROGRAM ARGS, found "localhost:80"/ },
    { line: 'ready_check : tcp://db', field: 'readyCheck', warning: /ready_check: expected tcp:\/\/HOST:PORT with a port/ },
    { line: 'ready_check : tcp://db:0', field: 'readyCheck', warning: /ready_check: expected tcp:\/\/HOST:PORT with a port/ },
    { line: 'ready_check : tcp://db:70000', field: 'readyCheck', warning: /ready_check: expected tcp:\/\/HOST:PORT/ },
    { line: 'ready_check : tcp://db:80/path', field: 'readyCheck', warning: /ready_check: expected tcp:\/\/HOST:PORT with a port .* nothing after it/ },
    { line: 'health_check : https://localhost/healthz', field: 'healthCheck', warning: /health_check: expected .*https is not supported/ },
    { line: 'health_check : http://', field: 'healthCheck', warning: /health_check: expected/ },
    { line: 'health_check : ftp://host/x', field: 'healthCheck', warning: /health_check: expected tcp:\/\/HOST:PORT/ },
    { line: 'health_check : exec:', field: 'healthCheck', warning: /health_check: expected exec: followed by a program/ },
    { line: `health_check : exec:sh -c 'exit 0`, field: 'healthCheck', warning: /health_check: expected exec:PROGRAM ARGS \(unterminated single quote/ },
  ];
  for (const { line, field, warning } of refused) {
    it(`refuses "${line}" with a warning naming file, line and key, and keeps the default`, () => {
      const { config, warnings } = parse(line);
      assert.equal(warnings.length, 1, texts(warnings).join('\n'));
      assert.match(warnings[0]?.text ?? '', warning);
      assert.deepEqual(config[field], DEFAULT_CONFIG[field]);
    });
  }

  it('keeps an exec: check whose program is not on PATH, with a warning naming the program', () => {
    const { config, warnings } = parse('health_check : exec:/nonexistent/check-web --deep');
    assert.deepEqual(config.healthCheck?.kind, 'exec');
    assert.deepEqual(texts(warnings), [
      'supervise.conf:2: health_check: program "/nonexistent/check-web": no such file; kept, each probe fails until it exists',
    ]);
    const bare = parse('ready_check : exec:no-such-check-program-here');
    assert.match(texts(bare.warnings)[0] ?? '', /ready_check: program "no-such-check-program-here": not found on PATH/);
    assert.equal(bare.config.readyCheck?.kind, 'exec');
  });

  it('lets a service section switch off a [global] check with no, and a [global] watchdog with 0', () => {
    const text =
      '[global]\nhealth_check : tcp://127.0.0.1:80\nwatchdog_timeout : 30s\nnotify_fd : 3\n' +
      '[web]\nhealth_check : no\nwatchdog_timeout : 0\n';
    const { config, warnings } = parseConfigText(text, 'supervise.conf', 'web');
    assert.deepEqual(texts(warnings), []);
    assert.equal(config.healthCheck, null);
    assert.equal(config.watchdogTimeoutMs, 0);
    assert.equal(config.notifyFd, 3);
  });

  it('keeps the [global] check when the service section gives a broken one', () => {
    const text = '[global]\nhealth_check : tcp://127.0.0.1:80\n[web]\nhealth_check : tcp://127.0.0.1\n';
    const { config, warnings } = parseConfigText(text, 'supervise.conf', 'web');
    assert.equal(config.healthCheck?.kind, 'tcp');
    assert.match(texts(warnings)[0] ?? '', /^supervise\.conf:4: health_check: .*keeping the \[global\] value$/);
  });
});

describe('the effective configuration dump', () => {
  // Every Part two key's line in the default dump is asserted with the whole dump, in order, in
  // test/unit/config-describe.test.ts.
  it('shows a check as written, with credentials masked', () => {
    const { config } = parse('health_check : http://probe:s3cret@127.0.0.1:8080/healthz\nready_check_interval : 1.5\n');
    const lines = describeConfig(config);
    assert.ok(lines.includes('health_check: http://***:***@127.0.0.1:8080/healthz'), lines.join('\n'));
    assert.ok(lines.includes('ready_check_interval: 1.5s'));
    assert.ok(!lines.some((line) => line.includes('s3cret')));
  });
});

describe('configProblems', () => {
  const base = { ...DEFAULT_CONFIG };
  const tcp = { kind: 'tcp', text: 'tcp://127.0.0.1:1', host: '127.0.0.1', port: 1 } as const;
  const table: { why: string; config: ServiceConfig; problems: RegExp[] }[] = [
    { why: 'the defaults can work', config: base, problems: [] },
    {
      why: 'start_timeout_action ready without start_timeout is harmless',
      config: { ...base, startTimeoutAction: 'ready' },
      problems: [],
    },
    {
      why: 'health keys without a health_check are harmless',
      config: { ...base, healthIntervalMs: 1, healthRetries: 9, healthAction: 'stop' },
      problems: [],
    },
    {
      why: 'a watchdog with no heartbeat source cannot work',
      config: { ...base, watchdogTimeoutMs: 30_000 },
      problems: [/^watchdog_timeout is 30s but nothing can send a heartbeat: set notify_fd .* or watchdog_file/],
    },
    { why: 'a watchdog fed by notify_fd can work', config: { ...base, watchdogTimeoutMs: 30_000, notifyFd: 3 }, problems: [] },
    {
      why: 'a watchdog fed by watchdog_file can work',
      config: { ...base, watchdogTimeoutMs: 30_000, watchdogFile: 'alive' },
      problems: [],
    },
    {
      why: 'start_timeout not longer than start_seconds cannot work',
      config: { ...base, startSecondsMs: 10_000, startTimeoutMs: 5000 },
      problems: [/^start_timeout \(5s\) is not longer than start_seconds \(10s\)/],
    },
    {
      why: 'start_timeout equal to start_seconds races and is refused too',
      config: { ...base, startSecondsMs: 5000, startTimeoutMs: 5000, startTimeoutAction: 'stop' },
      problems: [/start_timeout \(5s\) is not longer than start_seconds/],
    },
    {
      why: 'start_seconds is ignored when a ready_check decides',
      config: { ...base, startSecondsMs: 10_000, startTimeoutMs: 5000, readyCheck: tcp },
      problems: [],
    },
    {
      why: 'start_timeout_action ready makes a short start_timeout work',
      config: { ...base, startSecondsMs: 10_000, startTimeoutMs: 5000, startTimeoutAction: 'ready' },
      problems: [],
    },
    {
      why: 'both problems are named together',
      config: { ...base, watchdogTimeoutMs: 1000, startSecondsMs: 2000, startTimeoutMs: 1000 },
      problems: [/^watchdog_timeout/, /^start_timeout/],
    },
  ];
  for (const { why, config, problems } of table) {
    it(why, () => {
      const found = configProblems(config);
      assert.equal(found.length, problems.length, found.join('\n'));
      problems.forEach((pattern, index) => assert.match(found[index] ?? '', pattern));
    });
  }
});
