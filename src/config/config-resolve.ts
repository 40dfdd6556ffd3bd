// Section resolution (SPEC §7): which sections of supervise.conf a service uses, and how their
// keys combine into one ServiceConfig. Pure: it gets sections whose values are already decoded
// (apart from looking up an exec: check's program on PATH, which only reads).
import { CONFIG_KEYS, configKeyNamed } from './config-keys.ts';
import {
  parseCheck,
  parseChoice,
  heldInteger,
  parseDurationValue,
  parseInteger,
  parseList,
  signalValue,
  parseString,
  parseInto,
  type ParsedValue,
} from './key-kinds.ts';
import { DEFAULT_CONFIG, type ConfigWarning, type LoadedConfig, type ServiceConfig } from './config-types.ts';
import { maskSecrets } from './mask-secrets.ts';
import { shownText } from './shown-text.ts';

export interface ConfigEntry {
  key: string;
  /** Decoded: trimmed, unquoted, inline comment removed. */
  value: string;
  line: number;
}

export interface ConfigSection {
  name: string;
  line: number;
  entries: ConfigEntry[];
  /** The file it was read from, when sections of several files are resolved together (a host's includes). */
  fileName?: string;
}

/** Where a line is: in its section's own file, else in the file being resolved. */
interface Place {
  fileName: string;
  line: number;
}

/** The section read first, and the one whose keys are laid over it (its lists appended). */
export interface ChosenSections {
  base?: ConfigSection;
  overlay?: ConfigSection;
}

export function chooseSections(sections: readonly ConfigSection[], serviceName: string): ChosenSections {
  const globalAt = sections.findIndex((section) => section.name === 'global');
  const ownAt = sections.findIndex((section) => section.name === serviceName);
  // meetbill's rule for modules that want none of the shared settings: put them above [global].
  if (ownAt !== -1 && (globalAt === -1 || ownAt < globalAt)) return { base: sections[ownAt] };
  if (globalAt === -1) return {};
  return {
    base: sections[globalAt],
    overlay: sections.slice(globalAt + 1).find((section) => section.name === serviceName),
  };
}

export function resolveServiceConfig(
  sections: readonly ConfigSection[],
  serviceName: string,
  fileName: string,
): LoadedConfig {
  const config: ServiceConfig = { ...DEFAULT_CONFIG, alarmMail: [], alarmGsm: [] };
  const warnings: ConfigWarning[] = [];
  let unshown = 0;
  // A file of a million unknown keys must not become a million log lines (and their memory).
  const warn = (text: string): void => {
    if (warnings.length < MAX_KEY_WARNINGS) warnings.push({ text });
    else unshown += 1;
  };
  // Line that last set each field: for "keeping …" wording and for the alarms-off warning.
  const setAt = new Map<keyof ServiceConfig, Place>();
  const { base, overlay } = chooseSections(sections, serviceName);
  repeatedSectionWarnings(sections, serviceName, fileName, warn);
  // Key warnings come only from the sections this service uses: one file serves many services,
  // and each supervisor reports on its own settings.
  if (base) applySection(config, base, { fileName, warn, setAt, isOverlay: false });
  if (overlay) applySection(config, overlay, { fileName, warn, setAt, isOverlay: true });
  if (unshown > 0) warnings.push({ text: `${fileName}: ${unshown} more warnings about keys (not shown)` });
  const alarmsOff = alarmsOffWarning(config, setAt, fileName);
  if (alarmsOff) warnings.push(alarmsOff);
  return { config, warnings };
}

/** Warnings about keys and sections shown per reading of the file; the rest are counted. */
const MAX_KEY_WARNINGS = 20;

/**
 * Only the first [global] and the first [NAME] count (meetbill's reader stops at the first header
 * that matches); a later one with the same name is ignored, but said out loud: its keys look
 * like settings and would silently do nothing. Said for [global] by every service, since it
 * concerns them all, and for [NAME] by that service only.
 */
function repeatedSectionWarnings(sections: readonly ConfigSection[], serviceName: string, fileName: string, warn: (text: string) => void): void {
  for (const name of new Set(['global', serviceName])) {
    const [first, ...later] = sections.filter((section) => section.name === name);
    if (first === undefined) continue;
    const firstFile = first.fileName ?? fileName;
    for (const section of later) {
      const keys = section.entries.length === 0 ? 'it has no keys' : `its ${section.entries.length} key(s) are ignored`;
      const sectionFile = section.fileName ?? fileName;
      const firstAt = sectionFile === firstFile ? `line ${first.line}` : `${firstFile}:${first.line}`;
      warn(`${sectionFile}:${section.line}: [${name}] appears again (first at ${firstAt}): only the first counts, ${keys}; merge them into one section`);
    }
  }
}

interface ApplyContext {
  fileName: string;
  warn: (text: string) => void;
  setAt: Map<keyof ServiceConfig, Place>;
  isOverlay: boolean;
}

function applySection(config: ServiceConfig, section: ConfigSection, context: ApplyContext): void {
  const { warn, setAt, isOverlay } = context;
  const fileName = section.fileName ?? context.fileName;
  const seenHere = new Map<string, number>();
  for (const entry of section.entries) {
    const where = `${fileName}:${entry.line}`;
    const key = configKeyNamed(entry.key);
    if (!key) {
      warn(`${where}: unknown key "${entry.key}" (ignored)`);
      continue;
    }
    // Empty means "not set here": the default in a base section, the [global] value in an
    // overlay (meetbill's `alarm_interval :` under [someOtherModuleName] keeps global's 60).
    if (entry.value === '') continue;
    if (key.kind === 'parsed' && key.onlyInGlobal && section.name !== 'global') {
      warn(`${where}: ${key.name} only counts in [global] (ignored here)`);
      continue;
    }

    // A bad line changes nothing: the key keeps the value it would have had without that line.
    const keeping = (): string => {
      const earlier = seenHere.get(key.name);
      if (earlier !== undefined) return `the value from line ${earlier}`;
      return isOverlay && setAt.has(key.field) ? 'the [global] value' : 'the default';
    };
    const refuse = (expected: string, reason?: string): void => {
      const found = shownText(maskSecrets(entry.value));
      warn(
        reason === undefined
          ? `${where}: ${key.name}: expected ${expected}, found ${found}; keeping ${keeping()}`
          : `${where}: ${reason}, found ${found}; keeping ${keeping()}`,
      );
    };
    // The Part two kinds: a refused value keeps the earlier one, a kept value may still warn.
    const accept = <T>(parsed: ParsedValue<T>, set: (value: T) => void): boolean => {
      if (!parsed.ok) {
        refuse(parsed.expected, parsed.reason);
        return false;
      }
      if (parsed.notice !== undefined) warn(`${where}: ${key.name}: ${parsed.notice}`);
      set(parsed.value);
      return true;
    };

    switch (key.kind) {
      case 'integer': {
        const parsed = parseInteger(key, entry.value);
        if (!parsed.ok) {
          refuse(parsed.expected, parsed.reason);
          continue;
        }
        config[key.field] = heldInteger(key, parsed.value);
        break;
      }
      case 'string': {
        const parsed = parseString(key, entry.value);
        if (!parsed.ok) {
          refuse(parsed.expected);
          continue;
        }
        config[key.field] = parsed.value;
        break;
      }
      case 'list': {
        // Lists grow line by line and over [global], as meetbill's alarm_mail and alarm_gsm do.
        const given = parseList(entry.value);
        const accepted = key.accepts ? given.filter((item) => key.accepts?.(item)) : given;
        if (accepted.length < given.length) {
          const refused = given.filter((item) => !accepted.includes(item)).map((item) => shownText(maskSecrets(item)));
          warn(`${where}: ${key.name}: expected ${key.expected ?? 'another value'}, found ${refused.join(' ')}; dropped`);
        }
        const items = [...config[key.field], ...accepted];
        if (key.maxItems !== undefined && items.length > key.maxItems) {
          const dropped = items.splice(key.maxItems);
          warn(`${where}: ${key.name}: at most ${key.maxItems} items are kept, ${dropped.length} dropped: ${dropped.join(' ')}`);
        }
        config[key.field] = items;
        break;
      }
      case 'duration':
        if (!accept(parseDurationValue(key, entry.value), (ms) => (config[key.field] = ms))) continue;
        break;
      case 'choice':
        // parseChoice accepts only key.choices, which are this field's own words.
        if (!accept(parseChoice(key, entry.value), (word) => Object.assign(config, { [key.field]: word }))) continue;
        break;
      case 'signal':
        if (!accept(signalValue(key, entry.value), (signal) => (config[key.field] = signal))) continue;
        break;
      case 'check':
        if (!accept(parseCheck(entry.value), (spec) => (config[key.field] = spec))) continue;
        break;
      case 'parsed': {
        const parsed = parseInto(key, entry.value, config, { fileName });
        if (!parsed.ok) {
          refuse(parsed.expected);
          continue;
        }
        if (parsed.note !== undefined) warn(`${where}: ${key.name}: ${parsed.note}`);
        break;
      }
    }
    const earlier = seenHere.get(key.name);
    if (earlier !== undefined && key.kind !== 'list') {
      warn(`${where}: ${key.name} repeated in [${section.name}] (first at line ${earlier}): this line wins`);
    }
    seenHere.set(key.name, entry.line);
    setAt.set(key.field, { fileName, line: entry.line });
  }
}

/** Settings that do nothing while alarm_interval is 0 (SPEC §6, §7). */
const NEEDS_INTERVAL: readonly (keyof ServiceConfig)[] = [
  'alarmMail',
  'alarmGsm',
  'alarmCommand',
  'alarmWebhook',
  'alarmAlertmanager',
  'maxTries',
  'maxTriesIfCoredumped',
];

// Said out loud so that nobody believes a service is covered by alarms or limits when it is not.
function alarmsOffWarning(
  config: ServiceConfig,
  setAt: Map<keyof ServiceConfig, Place>,
  fileName: string,
): ConfigWarning | undefined {
  if (config.alarmIntervalMs > 0) return undefined;
  const idle = CONFIG_KEYS.filter((key) => NEEDS_INTERVAL.includes(key.field) && isInEffect(config[key.field]))
    .map((key) => ({ name: key.name, ...(setAt.get(key.field) ?? { fileName, line: 0 }) }))
    // Lines of the file being resolved first, then those of other files (a host's includes).
    .sort((a, b) => Number(a.fileName !== fileName) - Number(b.fileName !== fileName) || a.line - b.line);
  const [first] = idle;
  if (!first) return undefined;
  const at = (place: Place): string => (place.fileName === first.fileName ? `line ${place.line}` : `${place.fileName}:${place.line}`);
  const names = idle.length === 1 ? `${first.name} is` : `${idle.map((item) => `${item.name} (${at(item)})`).join(', ')} are`;
  return {
    text: `${first.fileName}:${first.line}: ${names} set but alarm_interval is 0: alarms and restart limits are off`,
  };
}

function isInEffect(value: ServiceConfig[keyof ServiceConfig]): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'number') return value > 0;
  return value !== '';
}
