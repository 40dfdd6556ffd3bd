// The line scan of supervise.conf (SPEC §7): finds the sections in file order and the line of
// every key, and reports each line it cannot read. Values stay raw here; config-file.ts decodes
// them. We scan ourselves because ini would nest dotted names ([redis.v2]), reorder numeric ones
// ([8080]) and lose line numbers, while section order and line numbers are what §7 is about.
import type { ConfigWarning } from './config-types.ts';
import { UNPRINTABLE, shownText } from './shown-text.ts';

export interface RawEntry {
  key: string;
  /** Everything after the `:` or `=`, not yet trimmed, unquoted or stripped of comments. */
  rawValue: string;
  line: number;
}

export interface RawSection {
  name: string;
  line: number;
  entries: RawEntry[];
}

export interface ScannedFile {
  sections: RawSection[];
  warnings: ConfigWarning[];
}

/** A binary file has thousands of "lines": show this many, then count the rest. */
const MAX_LINE_WARNINGS = 20;

// `[name]` with no blanks inside, as meetbill requires; a trailing comment is tolerated.
const HEADER = /^\[([^[\]\s]+)\][ \t]*(?:[#;].*)?$/;
// The key runs up to the first `:` or `=`, so values may hold both (`smtp://u:p@h:25`).
const ENTRY = /^([A-Za-z0-9_.-]+)[ \t]*[:=](.*)$/;

export function scanConfigLines(text: string, fileName: string): ScannedFile {
  const sections: RawSection[] = [];
  const warnings: ConfigWarning[] = [];
  let unshown = 0;
  const warn = (line: number, what: string): void => {
    if (warnings.length < MAX_LINE_WARNINGS) warnings.push({ text: `${fileName}:${line}: ${what}` });
    else unshown++;
  };
  // undefined: before the first header; null: under a malformed header, whose keys are dropped
  // rather than credited to the section above it.
  let current: RawSection | null | undefined;

  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (/^[ \t]*$/.test(line) || /^[ \t]*[#;]/.test(line)) return;
    const trimmed = line.replace(/^[ \t]+|[ \t]+$/g, '');

    if (trimmed.startsWith('[')) {
      const header = HEADER.exec(trimmed);
      const name = header?.[1];
      if (name === undefined || UNPRINTABLE.test(name)) {
        warn(
          lineNumber,
          `malformed section header ${shownText(line)} (expected [name] with no blanks inside): ` +
            'lines up to the next header are ignored',
        );
        current = null;
        return;
      }
      // meetbill only sees headers at column 0; an indented one is still clearly meant as a
      // header, and reading its keys into the section above would be worse than taking it.
      if (trimmed !== line.replace(/[ \t]+$/, '')) {
        warn(lineNumber, `section header [${name}] does not start at column 0 (taken as a header anyway)`);
      }
      current = { name, line: lineNumber, entries: [] };
      sections.push(current);
      return;
    }

    const entry = ENTRY.exec(trimmed);
    if (!entry || UNPRINTABLE.test(trimmed)) {
      const expected = 'expected [section], key : value, or a # comment';
      warn(lineNumber, `cannot parse ${shownText(line)} (${expected}): line ignored`);
      return;
    }
    const [, key = '', rawValue = ''] = entry;
    if (current === undefined) warn(lineNumber, `"${key}" is outside any [section] (ignored)`);
    else if (current !== null) current.entries.push({ key, rawValue, line: lineNumber });
  });

  if (unshown > 0) warnings.push({ text: `${fileName}: ${unshown} more lines that cannot be parsed (not shown)` });
  return { sections, warnings };
}
