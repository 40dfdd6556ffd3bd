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
