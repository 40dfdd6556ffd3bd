// Builds the man pages: man/NAME.SECTION.md (ronn-style markdown) to roff man/NAME.SECTION with
// marked-man. Run by `npm run man` and `prepack`; the roff files are not committed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const manDir = path.join(root, 'man');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// The CLI, not the library: marked-man configures marked's CLI (options, header) itself.
const require = createRequire(import.meta.url);
const markedMan = path.join(path.dirname(require.resolve('marked-man/package.json')), 'bin', 'marked-man.js');

const sources = fs.readdirSync(manDir).filter((name) => /\.[0-9]\.md$/.test(name));
if (sources.length === 0) throw new Error(`no man page sources (NAME.SECTION.md) in ${manDir}`);
for (const source of sources) {
  const output = path.join(manDir, source.slice(0, -'.md'.length));
  execFileSync(
    process.execPath,
    [markedMan, '--version', version, '--manual', 'supervise manual', '--no-breaks', '-o', output, path.join(manDir, source)],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  fs.writeFileSync(output, finishRoff(fs.readFileSync(output, 'utf8')));
}
/**
 * Two fixes on marked-man's roff. A bullet whose first line is only "TERM:" is an entry of a
 * definition list (markdown has none): make it a tagged paragraph, as man pages set options.
 * Quotes in code spans come out as HTML entities: give them back.
 */
function finishRoff(roff) {
  return roff
    .replace(/^\.IP \\\(bu 2\n(.+):\n/gm, '.TP\n$1\n')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "\\(aq");
}

console.log(`man: built ${sources.map((s) => s.slice(0, -'.md'.length)).join(', ')}`);
