// Which sections of a host file are services (SPEC §20), pure: a section with a `command` key,
// resolved by §7's rules exactly as a per-service supervise of that name would resolve it, or
// refused alone with a reason naming file, line and key, so that the rest of the file applies.
import path from 'node:path';
import { CommandSyntaxError, splitCommand } from '../command/split-command.ts';
import { configProblems } from '../config/config-problems.ts';
import { chooseSections, resolveServiceConfig, type ConfigEntry, type ConfigSection } from '../config/config-resolve.ts';
import type { ConfigWarning, ServiceConfig } from '../config/config-types.ts';
import { shownText } from '../config/shown-text.ts';
import { policyConfigProblems } from '../policy/policy-config-problems.ts';
import { hostServiceNameProblem } from './host-service-name.ts';
import { parseRequirements } from './requirements.ts';

export interface HostService {
  /** The section name: the service's status directory is ROOT/NAME. */
  name: string;
  /** The command split like `-f`: the program, then its arguments. */
  argv: string[];
  config: ServiceConfig;
  /** Where the service's section starts: its file and the line of its header. */
  fileName: string;
  line: number;
  /** What a per-service supervise of this name would warn about its settings, for its own log. */
  warnings: ConfigWarning[];
}

export interface RefusedSection {
  name: string;
  /** Where the refused section starts. */
  fileName: string;
  line: number;
  /** One WARNING line: `FILE:LINE: [NAME] refused: KEY: what is wrong`, the line the one at fault. */
  reason: string;
}

export interface DefinedServices {
  services: HostService[];
  refused: RefusedSection[];
  /** About the file as a whole: a command in [global], a section that is no service. */
  warnings: ConfigWarning[];
}

/**
 * `sections`: the main file's, then each included file's, each with its `fileName`; `mainFile`
 * names the main file. Services come in the order of their sections.
 */
export function defineServices(sections: readonly ConfigSection[], mainFile: string): DefinedServices {
  const fileOf = (section: ConfigSection): string => section.fileName ?? mainFile;
  const warnings: ConfigWarning[] = [];
  const refused: RefusedSection[] = [];
  const services: HostService[] = [];

  const firstOf = new Map<string, ConfigSection>();
  for (const section of sections) if (!firstOf.has(section.name)) firstOf.set(section.name, section);
  // A later section of a name that defines it again is refused; leaving it out of resolution keeps
  // the resolver from saying the same thing a second time in the service's own log.
  const redefinitions = new Set(sections.filter((section) => firstOf.get(section.name) !== section && hasCommand(section)));
  const redefinedNames = new Set([...redefinitions].map((section) => section.name));
  const serviceNames = new Set([...firstOf.values()].filter((section) => section.name !== 'global' && hasCommand(section)).map((section) => section.name));
  const firstGlobal = firstOf.get('global');
  const resolvable = sections
    .filter((section) => !redefinitions.has(section))
    .map((section) => (section === firstGlobal ? withoutCommand(section, fileOf, warnings) : section));
  const sectionsFor = sectionsByService(resolvable);

  for (const section of sections) {
    if (section.name === 'global') continue;
    const refuse = (entry: Placed | undefined, what: string): void => {
      const at = entry ?? { line: section.line, fileName: fileOf(section) };
      refused.push({ name: section.name, fileName: fileOf(section), line: section.line, reason: `${at.fileName}:${at.line}: [${section.name}] refused: ${what}` });
    };
    const first = firstOf.get(section.name) as ConfigSection;
    if (redefinitions.has(section)) {
      const command = place(lastEntry(section, 'command'), section, fileOf);
      const firstAt = command?.fileName === fileOf(first) ? `line ${first.line}` : `${fileOf(first)}:${first.line}`;
      refuse(
        command,
        hasCommand(first)
          ? `command: [${section.name}] is already defined at ${firstAt}; the first one counts`
          : `command: only the first [${section.name}] counts, at ${firstAt}, and it has no command: put the command there`,
      );
      continue;
    }
    if (first !== section) continue;
    if (!hasCommand(section)) {
      if (!redefinedNames.has(section.name)) {
        warnings.push({
          text: `${fileOf(section)}:${section.line}: [${section.name}] has no command key: not a service of this host (its keys only count for a per-service supervise of that name)`,
        });
      }
      continue;
    }
    const nameProblem = hostServiceNameProblem(section.name);
    if (nameProblem !== undefined) {
      refuse(undefined, nameProblem);
      continue;
    }
    const defined = defineService(section, sectionsFor(section.name), serviceNames, mainFile, fileOf);
    if ('refusal' in defined) refuse(defined.at, defined.refusal);
    else services.push(defined);
  }
  return { services, refused, warnings };
}

type Placed = { line: number; fileName: string };

/**
 * Section resolution only ever looks at [global] and [NAME] sections: giving each service just
 * those, in file order, gives the same result without reading every section once per service
 * (a host file of a thousand services would otherwise cost a million section visits).
 */
function sectionsByService(sections: readonly ConfigSection[]): (name: string) => ConfigSection[] {
  const byName = new Map<string, ConfigSection[]>();
  for (const section of sections) {
    const named = byName.get(section.name);
    if (named) named.push(section);
    else byName.set(section.name, [section]);
  }
  const position = new Map(sections.map((section, index) => [section, index]));
  const globals = byName.get('global') ?? [];
  return (name) =>
    [...globals, ...(byName.get(name) ?? [])].sort((a, b) => (position.get(a) as number) - (position.get(b) as number));
}

function defineService(
  section: ConfigSection,
  resolvable: readonly ConfigSection[],
  serviceNames: ReadonlySet<string>,
  mainFile: string,
  fileOf: (section: ConfigSection) => string,
): HostService | { refusal: string; at?: Placed } {
  const { config, warnings } = resolveServiceConfig(resolvable, section.name, mainFile);

  // Only the service's own section can give the command ([global]'s is taken out), and the line
  // that counts is the last one with a value, as for every key.
  const commandEntry = lastEntry(section, 'command', true);
  if (commandEntry === undefined) {
    return { refusal: "command: expected the service's command line, found nothing", at: place(lastEntry(section, 'command'), section, fileOf) };
  }
  const commandAt = place(commandEntry, section, fileOf);
  let argv: string[];
  try {
    argv = splitCommand(commandEntry.value);
  } catch (error) {
    if (error instanceof CommandSyntaxError) return { refusal: `command: ${error.message}`, at: commandAt };
    throw error;
  }
  if (argv[0] === undefined || argv[0] === '') return { refusal: 'command: the program (its first word) is empty', at: commandAt };

  const requiresProblem = requiresRefusal(resolvable, section.name, serviceNames, fileOf);
  if (requiresProblem) return requiresProblem;

  const problems = [...configProblems(config), ...policyConfigProblems(config)];
  if (problems.length > 0) return { refusal: problems.join('; ') };

  return { name: section.name, argv, config, fileName: fileOf(section), line: section.line, warnings };
}

/**
 * A `requires` line that cannot be read, or that names something that is neither a service of
 * this host nor a path, refuses the service: starting it without what it waits for would be the
 * failure `requires` exists to prevent. The line that counts is the service's own, else [global]'s.
 */
function requiresRefusal(
  resolvable: readonly ConfigSection[],
  serviceName: string,
  serviceNames: ReadonlySet<string>,
  fileOf: (section: ConfigSection) => string,
): { refusal: string; at: Placed } | undefined {
  const { base, overlay } = chooseSections(resolvable, serviceName);
  const owner = [overlay, base].find((section) => section !== undefined && lastEntry(section, 'requires', true));
  if (owner === undefined) return undefined;
  const entry = lastEntry(owner, 'requires', true) as ConfigEntry;
  const at = place(entry, owner, fileOf) as Placed;
  const parsed = parseRequirements(entry.value, path.resolve(path.dirname(at.fileName)));
  if (!parsed.ok) return { refusal: `requires: expected ${parsed.expected}, found ${shownText(entry.value)}`, at };
  const unknown = parsed.value.find((requirement) => requirement.kind === 'service' && !serviceNames.has(requirement.name));
  if (unknown?.kind !== 'service') return undefined;
  return {
    refusal: `requires: "${unknown.name}" is no service of this host (a section with a command) and no status directory path (a path holds a /)`,
    at,
  };
}

function hasCommand(section: ConfigSection): boolean {
  return section.entries.some((entry) => entry.key === 'command');
}

/** The last entry of `key`; with `withValue`, the last one that is not empty (an empty one sets nothing). */
export function lastEntry(section: ConfigSection, key: string, withValue = false): ConfigEntry | undefined {
  for (let at = section.entries.length - 1; at >= 0; at--) {
    const entry = section.entries[at] as ConfigEntry;
    if (entry.key === key && (!withValue || entry.value !== '')) return entry;
  }
  return undefined;
}

function place(entry: ConfigEntry | undefined, section: ConfigSection, fileOf: (section: ConfigSection) => string): Placed | undefined {
  return entry === undefined ? undefined : { line: entry.line, fileName: fileOf(section) };
}

/**
 * [global] gives no command: it would make every service without its own run the same program.
 * Said once per line, and taken out before any service is resolved.
 */
function withoutCommand(global: ConfigSection, fileOf: (section: ConfigSection) => string, warnings: ConfigWarning[]): ConfigSection {
  if (!hasCommand(global)) return global;
  const section = global;
  for (const entry of section.entries) {
    if (entry.key === 'command' && entry.value !== '') {
      warnings.push({ text: `${fileOf(section)}:${entry.line}: command in [global] is ignored: each service's own section gives its command` });
    }
  }
  return { ...section, entries: section.entries.filter((entry) => entry.key !== 'command') };
}
