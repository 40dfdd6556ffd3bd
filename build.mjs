// Bundles each command into one file under dist/: one file loads faster than a module tree,
// and every supervised service pays for its supervisor's start-up and memory.
import { build } from 'esbuild';
import fs from 'node:fs';

const commands = { supervise: 'src/cli/supervise-main.ts', svc: 'src/cli/svc-main.ts' };

await build({
  entryPoints: Object.fromEntries(Object.entries(commands).filter(([, file]) => fs.existsSync(file))),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __supervise_createRequire } from 'node:module'; const require = __supervise_createRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
