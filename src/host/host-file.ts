// Reads a host file (SPEC §20): the main file, the files its [global] includes, and from their
// sections every service the host runs, each resolved as a per-service supervise of that name
// resolves it. Only an unreadable main file is an error; everything else is a refusal of one
// section or a WARNING, and the rest applies.
//
// Includes are read from the main file's [global] only (a [global] in an included file is
// ignored, its include with it), so an include cycle cannot happen and the work is bounded: at
// most MAX_INCLUDED_FILES files, each at most MAX_HOST_FILE_BYTES.
import fs from 'node:fs';
import path from 'node:path';
import { readConfigSections, readConfigText } from '../config/config-file.ts';
import { resolveServiceConfig, type ConfigSection } from '../config/config-resolve.ts';
import type { ConfigWarning } from '../config/config-types.ts';
import { defineServices, lastEntry, type HostService, type RefusedSection } from './host-services.ts';
import { matchInclude } from './include-files.ts';

export type { HostService, RefusedSection } from './host-services.ts';

/** Included files read at most; the files beyond are left unread with a WARNING. */
export const MAX_INCLUDED_FILES = 1000;
/** A host file larger than this (1 MiB, thousands of services) is refused before it is read. */
export const MAX_HOST_FILE_BYTES = 1024 * 1024;

/** The settings of the host itself, from the main file's [global]. */
export interface HostSettings {
  /** `unix:PATH` or `HOST:PORT` as written (its shape checked); null = no API. */
  apiListen: string | null;
  /** Absolute (a relative path is relative to the main file's directory); null = none. */
  apiTokenFile: string | null;
  /** The included files read, absolute, in the order read. */
  includes: string[];
}

export interface HostFile {
  services: HostService[];
  refused: RefusedSection[];
  /**
   * About the files as a whole, for the host's own log: lines that cannot be read, [global]'s
   * keys, includes, sections that are no service. A service's own warnings are on the service.
   */
  warnings: ConfigWarning[];
  host: HostSettings;
}

export type ReadHostFileResult = ({ ok: true } & HostFile) | { ok: false; reason: string };

export function readHostFile(filePath: string): ReadHostFileResult {
  const main = readConfigText(filePath, MAX_HOST_FILE_BYTES);
  if (!main.ok) return main;
  const scanned = readConfigSections(main.text, filePath);
  const sections: ConfigSection[] = scanned.sections.map((section) => ({ ...section, fileName: filePath }));
  const warnings = [...scanned.warnings];

  // The host's own keys, from [global] alone (resolved as a service that has no section would be).
  const global = resolveServiceConfig(sections, 'global', filePath);
  warnings.push(...global.warnings);
  const baseDir = path.dirname(path.resolve(filePath));
  const included = readIncludes(global.config.includePatterns, {
    baseDir,
    mainFile: filePath,
    includeLine: includeLine(sections),
  });
  sections.push(...included.sections);
  warnings.push(...included.warnings);

  const defined = defineServices(sections, filePath);
  warnings.push(...defined.warnings);
  const { apiListen, apiTokenFile } = global.config;
  return {
    ok: true,
    services: defined.services,
    refused: defined.refused,
    warnings,
    host: {
      apiListen: apiListen === '' ? null : apiListen,
      apiTokenFile: apiTokenFile === '' ? null : path.resolve(baseDir, apiTokenFile),
      includes: included.files,
    },
  };
}

interface IncludeContext {
  baseDir: string;
  mainFile: string;
  /** The line of the include key that counts, for the warnings about what it names. */
  includeLine: number;
}

function readIncludes(
  patterns: readonly string[],
  context: IncludeContext,
): { sections: ConfigSection[]; warnings: ConfigWarning[]; files: string[] } {
  const where = `${context.mainFile}:${context.includeLine}: include`;
  const sections: ConfigSection[] = [];
  const warnings: ConfigWarning[] = [];
  const files: string[] = [];
  // By real path: `include : *.conf` beside the main file matches the main file itself, and two
  // patterns may match one file; each is read once.
  const seen = new Set([realPath(path.resolve(context.mainFile))]);
  let opened = 0;
  let unread = 0;
  for (const pattern of patterns) {
    const matched = matchInclude(pattern, context.baseDir);
    if (!matched.ok) {
      warnings.push({ text: `${where}: ${pattern} matches nothing: ${matched.reason}` });
      continue;
    }
    for (const file of matched.files) {
      const real = realPath(file);
      if (seen.has(real)) continue;
      if (opened === MAX_INCLUDED_FILES) {
        unread++;
        continue;
      }
      seen.add(real);
      opened++;
      const read = readConfigText(file, MAX_HOST_FILE_BYTES);
      if (!read.ok) {
        warnings.push({ text: `${where}: ${read.reason}; its sections are missing` });
        continue;
      }
      files.push(file);
      const scanned = readConfigSections(read.text, file);
      warnings.push(...scanned.warnings);
      for (const section of scanned.sections) {
        if (section.name === 'global') {
          const keys = section.entries.length === 0 ? '' : ` (its ${section.entries.length} key(s) too)`;
          warnings.push({ text: `${file}:${section.line}: [global] in an included file is ignored${keys}: only the main file's [global] counts` });
          continue;
        }
        sections.push({ ...section, fileName: file });
      }
    }
  }
  if (unread > 0) {
    warnings.push({
      text: `${where}: more than ${MAX_INCLUDED_FILES} files: the first ${MAX_INCLUDED_FILES} are read, ${unread} left unread`,
    });
  }
  return { sections, warnings, files };
}

/** The line of the include key in effect: the last one with a value in the first [global]. */
function includeLine(sections: readonly ConfigSection[]): number {
  const global = sections.find((section) => section.name === 'global');
  return global === undefined ? 0 : (lastEntry(global, 'include', true)?.line ?? 0);
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    // Unreadable or gone: reading it will say why; the path itself still tells repeats apart.
    return file;
  }
}
