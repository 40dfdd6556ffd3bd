// alarm_alertmanager in supervise.conf: a list of http(s) URLs, grown over [global] like alarm_mail,
// bad items dropped with a warning, credentials never shown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/config-file.ts';
import { describeConfig } from '../../src/config/describe-config.ts';

const parse = (text: string) => parseConfigText(text, 'supervise.conf', 'redis');

describe('alarm_alertmanager', () => {
  it('takes blank-separated http and https URLs, adding a service section\'s to [global]\'s', () => {
    const { config, warnings } = parse(
      '[global]\nalarm_interval : 60\nalarm_alertmanager : http://am1:9093 https://am2.example/am\n[redis]\nalarm_alertmanager : http://am3:9093\n',
    );
    assert.deepEqual(config.alarmAlertmanager, ['http://am1:9093', 'https://am2.example/am', 'http://am3:9093']);
    assert.deepEqual(warnings, []);
  });

  it('drops an item that is not an http(s) URL with a warning naming file, line and key, and keeps the others', () => {
    const { config, warnings } = parse('[redis]\nalarm_interval : 60\nalarm_alertmanager : am:9093 http://am:9093 ftp://bob:pw@x\n');
    assert.deepEqual(config.alarmAlertmanager, ['http://am:9093']);
    assert.deepEqual(
      warnings.map((w) => w.text),
      ['supervise.conf:3: alarm_alertmanager: expected an http:// or https:// URL, found "am:9093" "ftp://***:***@x"; dropped'],
    );
  });

  it('is named in the alarms-off warning when alarm_interval is 0', () => {
    const { warnings } = parse('[redis]\nalarm_alertmanager : http://am:9093\n');
    assert.match(warnings[0]?.text ?? '', /alarm_alertmanager is set but alarm_interval is 0/);
  });

  it('is logged with its credentials masked', () => {
    const { config } = parse('[redis]\nalarm_interval : 60\nalarm_alertmanager : https://ops:s3cret@am.example:9093 http://am2:9093\n');
    const line = describeConfig(config).find((l) => l.startsWith('alarm_alertmanager:'));
    assert.equal(line, 'alarm_alertmanager: https://***:***@am.example:9093 http://am2:9093');
  });
});

describe('alarm_resolve_after and alarm_resend', () => {
  it('default to restart_reset_after and 5m, and are logged so', () => {
    const { config } = parse('[redis]\nalarm_interval : 60\n');
    assert.equal(config.alarmResolveAfterMs, null);
    assert.equal(config.alarmResendMs, 300_000);
    const lines = describeConfig(config).filter((l) => /^alarm_res/.test(l));
    assert.deepEqual(lines, ['alarm_resolve_after: (restart_reset_after)', 'alarm_resend: 5m']);
  });

  it('take durations', () => {
    const { config, warnings } = parse('[redis]\nalarm_interval : 60\nalarm_resolve_after : 90s\nalarm_resend : 1m\n');
    assert.deepEqual([config.alarmResolveAfterMs, config.alarmResendMs, warnings], [90_000, 60_000, []]);
  });

  it('refuse what is not a duration, and a resend below a second, with file, line, key, expected and found', () => {
    const { config, warnings } = parse('[redis]\nalarm_interval : 60\nalarm_resolve_after : soon\nalarm_resend : 500ms\n');
    assert.deepEqual([config.alarmResolveAfterMs, config.alarmResendMs], [null, 300_000]);
    assert.deepEqual(
      warnings.map((w) => w.text.replace(/;.*$/, '')),
      [
        'supervise.conf:3: alarm_resolve_after: expected a duration such as 30s, 2m or 1.5 (seconds), found "soon"',
        'supervise.conf:4: alarm_resend: expected a duration from 1s to 596h (seconds such as 1.5, or a number with ms, s, m or h: 500ms, 5s, 2m, 1h), found "500ms"',
      ],
    );
  });
});
