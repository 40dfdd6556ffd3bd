// The effective configuration as log lines (SPEC §7), one per key with the config file's names,
// so an operator can check what a service really runs with. Secrets are masked.
import { CONFIG_KEYS, describeParsed, type ConfigKey } from './config-keys.ts';
import type { ServiceConfig } from './config-types.ts';
import { maskSecrets } from './mask-secrets.ts';

export function describeConfig(config: ServiceConfig): string[] {
  return CONFIG_KEYS.map((key) => `${key.name}: ${describeValue(key, config)}`);
}

function describeValue(key: ConfigKey, config: ServiceConfig): string {
  switch (key.kind) {
    case 'integer': {
      const value = config[key.field];
      // 0 here silently switches off everything that §6 promises, so the log says it.
      return key.field === 'alarmInterval' && value === 0 ? '0 (alarms and restart limits off)' : String(value);
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
    case 'parsed':
      return describeParsed(key, config);
  }
}
