// The effective configuration as log lines (SPEC §7), one per key with the config file's names,
// so an operator can check what a service really runs with. Secrets are masked.
import { CONFIG_KEYS } from './config-keys.ts';
import { describeParsed, shownInteger, type ConfigKey } from './key-kinds.ts';
import type { ServiceConfig } from './config-types.ts';
import { formatDuration } from './duration.ts';
import { maskSecrets } from './mask-secrets.ts';

export function describeConfig(config: ServiceConfig): string[] {
  return CONFIG_KEYS.map((key) => `${key.name}: ${describeValue(key, config)}`);
}

function describeValue(key: ConfigKey, config: ServiceConfig): string {
  switch (key.kind) {
    case 'integer': {
      const value = shownInteger(key, config[key.field]);
      // 0 here silently switches off everything that §6 promises, so the log says it.
      if (key.field === 'alarmIntervalMs' && value === 0) return '0 (alarms and restart limits off)';
      return value === 0 && key.whenZero !== undefined ? `0 (${key.whenZero})` : String(value);
    }
    case 'list': {
      const items = config[key.field];
      // alarm_alertmanager's URLs may carry credentials.
      return items.length > 0 ? maskSecrets(items.join(' ')) : '(none)';
    }
    case 'string': {
      const value = config[key.field];
      return value === '' ? `(${key.whenEmpty ?? 'none'})` : maskSecrets(value);
    }
    case 'duration': {
      const ms = config[key.field];
      return ms === 0 && key.whenZero !== undefined ? `0 (${key.whenZero})` : formatDuration(ms);
    }
    case 'choice':
    case 'signal':
      return config[key.field];
    case 'check': {
      // An http:// check may carry credentials, an exec: one a --password argument.
      const spec = config[key.field];
      return spec === null ? '(none)' : maskSecrets(spec.text);
    }
    case 'parsed':
      return describeParsed(key, config);
  }
}
