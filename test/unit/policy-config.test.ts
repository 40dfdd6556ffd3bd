// The §16 config keys: how each is read, what a bad value warns, how the dump shows it, and the
// combinations that refuse the config.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfigText, readConfigFile } from '../../src/config/config-file.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/config/config-types.ts';
import { describeConfig } from '../../src/config/describe-config.ts';
import { policyConfigProblems } from '../../src/policy/policy-config-problems.ts';

function load(body: string, service = 'web') {
  const { config, warnings } = parseConfigText(`[global]\n${body}\n`, 'supervise.conf', service);
  return { config, warnings: warnings.map((warning) => warning.text) };
}

describe('policy keys read from supervise.conf', () => {
  const table: [string, Partial<ServiceConfig>][] = [
    ['restart : on-failure', { restart: 'on-failure' }],
    ['restart : never', { restart: 'never' }],
    ['success_exit_codes : 0 143 SIGTERM', { successExitCodes: { codes: [0, 143], signals: ['SIGTERM'] } }],
    ['restart_delay : 250ms', { restartDelayMs: 250 }],
    ['restart_delay : 1.5', { restartDelayMs: 1500 }],
    ['restart_delay_max : 2m', { restartDelayMaxMs: 120_000 }],
    ['restart_reset_after : 1h', { restartResetAfterMs: 3_600_000 }],
    ['reload : signal:USR2', { reload: { kind: 'signal', signal: 'SIGUSR2' } }],
    ['reload : signal:SIGHUP', { reload: { kind: 'signal', signal: 'SIGHUP' } }],
    ['reload : overlap', { reload: { kind: 'overlap' } }],
    ['reload : none', { reload: { kind: 'none' } }],
    ['restart_on_change : yes', { restartOnChange: { kind: 'program' } }],
    ['restart_on_change : no', { restartOnChange: { kind: 'off' } }],
    [
      'restart_on_change : /etc/app/app.conf "/srv/my app/lib"',
      { restartOnChange: { kind: 'paths', paths: ['/etc/app/app.conf', '/srv/my app/lib'] } },
    ],
    ['change_settle : 0', { changeSettleMs: 0 }],
    ['pid_file : /run/nginx.pid', { pidFile: '/run/nginx.pid' }],
  ];
  for (const [line, expected] of table) {
    it(`reads "${line}" without a warning`, () => {
      const { config, warnings } = load(line);
      assert.deepEqual(warnings, []);
      for (const [field, value] of Object.entries(expected)) assert.deepEqual(config[field as keyof ServiceConfig], value);
    });
  }

  it('gives every key its default when none is set (Part one behaviour)', () => {
    const { config } = load('alarm_interval : 60');
    assert.equal(config.restart, 'always');
    assert.deepEqual(config.successExitCodes, { codes: [0], signals: [] });
    assert.equal(config.restartDelayMs, 1000);
    assert.equal(config.restartDelayMaxMs, 0);
    assert.equal(config.restartResetAfterMs, 60_000);
    assert.deepEqual(config.reload, { kind: 'none' }, 'no reload signal unless declared');
    assert.deepEqual(config.restartOnChange, { kind: 'off' });
    assert.equal(config.changeSettleMs, 2000);
    assert.equal(config.pidFile, '');
  });

  it("lets the service's section override success_exit_codes instead of adding to it", () => {
    const { config } = parseConfigText(
      '[global]\nsuccess_exit_codes : 0 3\n[web]\nsuccess_exit_codes : 143\n',
      'supervise.conf',
      'web',
    );
    assert.deepEqual(config.successExitCodes, { codes: [143], signals: [] });
  });
});

describe('bad policy values', () => {
  const table: [string, string, Partial<ServiceConfig>][] = [
    ['restart : sometimes', 'supervise.conf:2: restart: expected always, on-failure, never, found "sometimes"; keeping the default', { restart: 'always' }],
    ['restart_delay : 5 s', 'supervise.conf:2: restart_delay: expected a duration such as 500ms, 5s, 2m, 1h or 1.5 (seconds), at most', { restartDelayMs: 1000 }],
    ['restart_delay : 10ms', 'supervise.conf:2: restart_delay: 10ms is below the least 100ms; using 100ms', { restartDelayMs: 100 }],
    ['restart_delay : 0', 'supervise.conf:2: restart_delay: 0 is below the least 100ms; using 100ms', { restartDelayMs: 100 }],
    ['restart_delay_max : -1s', 'supervise.conf:2: restart_delay_max: expected a duration', { restartDelayMaxMs: 0 }],
    ['restart_reset_after : 30d', 'supervise.conf:2: restart_reset_after: expected a duration', { restartResetAfterMs: 60_000 }],
    ['change_settle : 1000h', 'supervise.conf:2: change_settle: expected a duration', { changeSettleMs: 2000 }],
    [
      'success_exit_codes : 0 SIGTREM 300',
      'supervise.conf:2: success_exit_codes: expected exit codes (0 to 255) and signal names, such as 0 143 SIGTERM, found "SIGTREM" "300"; dropped',
      { successExitCodes: { codes: [0], signals: [] } },
    ],
    [
      'success_exit_codes : SIGTREM',
      'supervise.conf:2: success_exit_codes: expected exit codes (0 to 255) and signal names, such as 0 143 SIGTERM, found "SIGTREM"; keeping the default',
      { successExitCodes: { codes: [0], signals: [] } },
    ],
    ['reload : signal:NOPE', 'supervise.conf:2: reload: expected signal:NAME (such as signal:HUP), overlap or none, found "signal:NOPE"', { reload: { kind: 'none' } }],
    ['reload : HUP', 'supervise.conf:2: reload: expected signal:NAME', { reload: { kind: 'none' } }],
    ['restart_on_change : "/etc/app', 'supervise.conf:2: restart_on_change: expected yes, no, or paths separated by blanks', { restartOnChange: { kind: 'off' } }],
  ];
  for (const [line, warning, kept] of table) {
    it(`"${line}" is a WARNING naming file, line and key`, () => {
      const { config, warnings } = load(line);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.ok(warnings[0]?.startsWith(warning), warnings[0]);
      for (const [field, value] of Object.entries(kept)) assert.deepEqual(config[field as keyof ServiceConfig], value);
    });
  }
});

describe('the effective-config dump', () => {
  it('shows every policy key in the config file spelling', () => {
    const { config } = load(
      [
        'restart : on-failure',
        'success_exit_codes : 0 143 term',
        'restart_delay : 500ms',
        'restart_delay_max : 30s',
        'restart_reset_after : 2m',
        'reload : overlap',
        'restart_on_change : /etc/app.conf',
        'change_settle : 1.5',
        'pid_file : /run/app.pid',
      ].join('\n'),
    );
    const lines = describeConfig(config);
    for (const line of [
      'restart: on-failure',
      'success_exit_codes: 0 143 SIGTERM',
      'restart_delay: 500ms',
      'restart_delay_max: 30s',
      'restart_reset_after: 2m',
      'reload: overlap',
      'restart_on_change: /etc/app.conf',
      'change_settle: 1.5s',
      'pid_file: /run/app.pid',
    ]) {
      assert.ok(lines.includes(line), `${line} in\n${lines.join('\n')}`);
    }
  });

  it("says what restart_on_change : yes watches", () => {
    assert.ok(describeConfig({ ...DEFAULT_CONFIG, restartOnChange: { kind: 'program' } }).includes("restart_on_change: yes (the service's program)"));
  });
});

describe('policyConfigProblems', () => {
  const overlap = { ...DEFAULT_CONFIG, reload: { kind: 'overlap' } as const };
  const table: [string, ServiceConfig, RegExp[]][] = [
    ['the defaults are fine', DEFAULT_CONFIG, []],
    ['overlap without a readiness source is refused', overlap, [/^reload : overlap needs a readiness source/]],
    ['overlap with notify_fd and start_timeout is fine', { ...overlap, notifyFd: 3, startTimeoutMs: 30_000 }, []],
    ['overlap with ready_check but no start_timeout is refused', { ...overlap, readyCheck: { kind: 'tcp', host: '127.0.0.1', port: 80, text: 'tcp://127.0.0.1:80' } as ServiceConfig['readyCheck'] }, [/needs start_timeout/]],
    ['overlap with start_seconds alone is fine', { ...overlap, startSecondsMs: 5000 }, []],
    ['overlap with a pid file is refused', { ...overlap, startSecondsMs: 5000, pidFile: '/run/x.pid' }, [/cannot work with pid_file/]],
    ['signal reload with a pid file is fine', { ...DEFAULT_CONFIG, pidFile: '/run/x.pid' }, []],
    ['a maximum below the delay is refused', { ...DEFAULT_CONFIG, restartDelayMs: 5000, restartDelayMaxMs: 2000 }, [/^restart_delay_max \(2s\) is below restart_delay \(5s\)/]],
    ['a maximum above the delay is fine', { ...DEFAULT_CONFIG, restartDelayMaxMs: 2000 }, []],
    ['two problems are both named', { ...overlap, pidFile: '/run/x.pid', restartDelayMaxMs: 500 }, [/readiness source/, /pid_file/, /restart_delay_max/]],
  ];
  for (const [why, config, expected] of table) {
    it(why, () => {
      const problems = policyConfigProblems(config);
      assert.equal(problems.length, expected.length, problems.join('\n'));
      expected.forEach((pattern, index) => assert.match(problems[index] ?? '', pattern));
    });
  }
});

describe('the annotated supervise.conf', () => {
  it('gives its [api] section the policy it describes, without a warning', () => {
    const result = readConfigFile(path.join(import.meta.dirname, '..', '..', 'supervise.conf'), 'api');
    if (!result.ok) throw new Error(result.reason);
    const { config, warnings } = result;
    assert.deepEqual(warnings, []);
    assert.equal(config.restart, 'on-failure');
    assert.deepEqual(config.successExitCodes, { codes: [0], signals: ['SIGTERM'] });
    assert.equal(config.restartDelayMaxMs, 30_000);
    assert.deepEqual(config.restartOnChange, { kind: 'program' });
    assert.equal(config.pidFile, '');
    assert.deepEqual(policyConfigProblems(config), []);
  });
});
