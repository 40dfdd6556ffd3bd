// Bundles the commands into dist/ with esbuild, and compiles the keeper (src/keeper/keeper.c, the
// one C program: what Node cannot do for `supervise --host`) into dist/supervise-keeper. supervise is one CommonJS file (no ESM loader at
// start: about 7 ms less per start, and a host starts dozens of supervisors); what only an alarm
// needs is a second bundle, dist/alarm.cjs, loaded on the first alarm; what only a host needs
// (src/host, src/api) a third, dist/host.cjs, loaded by `--host`; nodemailer stays in
// node_modules and is loaded only when a mail is sent. svc is one CommonJS file too (5 ms less per
// call than as ESM: scripts call it in loops).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };
/**
 * For the CommonJS bundles: import() of the other bundles (and of nodemailer) becomes require().
 * A real import() from CommonJS starts Node's ESM loader and has it scan the whole file for its
 * exports: 30 ms of CPU for each `supervise --host` loading dist/host.cjs, and again for each
 * supervise's first alarm.
 */
const commonJs = { ...common, format: 'cjs', supported: { 'dynamic-import': false } };

/** The alarm code is reached through one dynamic import, kept out of the main bundle. */
const alarmAsSeparateBundle = {
  name: 'alarm-as-separate-bundle',
  setup(b) {
    b.onResolve({ filter: /\/alarm\/index\.ts$/ }, () => ({ path: './alarm.cjs', external: true }));
  },
};

/** The host's code is reached through one dynamic import too: a per-service supervise never loads it. */
const hostAsSeparateBundle = {
  name: 'host-as-separate-bundle',
  setup(b) {
    b.onResolve({ filter: /(^|\/)host-run\.ts$/ }, () => ({ path: './host.cjs', external: true }));
  },
};

/**
 * `import fs from 'node:fs'` becomes, in a CommonJS bundle, a copy of every export of the module
 * behind a getter (esbuild's ESM interop), once per importing file: 20 copies of fs, path, os,
 * util and net cost about 1.5 ms of every start and their closures stay in the heap. Node's own
 * module object is what a default import wants; this hands it over as it is. A named import of
 * these modules fails the build ("No matching export"), so nothing can break silently.
 */
const builtinDefaultImports = {
  name: 'builtin-default-imports',
  setup(b) {
    b.onResolve({ filter: /^node:(fs|path|os|util|net)$/ }, (args) =>
      args.namespace === 'builtin-default' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin-default' },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-default' }, (args) => ({
      contents: `export default require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The API's dashboard (src/api/dashboard/): its script bundled and inlined into the page, so that
 * dist/dashboard.html is one self-contained file (no CDN, works offline) the host serves at `/`.
 */
async function buildDashboard() {
  const result = await build({
    entryPoints: ['src/api/dashboard/client.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const script = result.outputFiles[0].text.trim();
  // The page's one <script> element must end where the server's CSP hash says it ends.
  if (/<\/script/i.test(script)) throw new Error('the dashboard script contains "</script": it cannot be inlined');
  const page = fs.readFileSync('src/api/dashboard/page.html', 'utf8');
  const marker = '<!-- client script -->';
  if (!page.includes(marker)) throw new Error(`src/api/dashboard/page.html has no ${marker} line`);
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/dashboard.html', page.replace(marker, () => `<script>${script}</script>`));
}

// Outputs of earlier layouts of this script.
for (const stale of ['dist/chunks', 'dist/supervise.js', 'dist/svc.js']) fs.rmSync(stale, { recursive: true, force: true });

/** The keeper, with the machine's C compiler ($CC, else cc): a few hundred lines, no library but libc. */
function compileKeeper() {
  const compiler = process.env.CC || 'cc';
  fs.mkdirSync('dist', { recursive: true });
  try {
    execFileSync(compiler, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', 'dist/supervise-keeper.tmp', 'src/keeper/keeper.c'], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    console.error(`build: unable to compile src/keeper/keeper.c with ${compiler}: ${error.message}\nbuild: a C compiler is needed (Debian: apt-get install gcc; or set CC)`);
    process.exit(1);
  }
  fs.renameSync('dist/supervise-keeper.tmp', 'dist/supervise-keeper');
}

compileKeeper();
await Promise.all([
  build({
    ...commonJs,
    entryPoints: ['src/cli/supervise-main.ts'],
    outfile: 'dist/supervise.cjs',
    plugins: [alarmAsSeparateBundle, hostAsSeparateBundle, builtinDefaultImports],
    minify: true,
  }),
  build({
    ...commonJs,
    entryPoints: ['src/cli/host-run.ts'],
    outfile: 'dist/host.cjs',
    plugins: [alarmAsSeparateBundle, builtinDefaultImports],
    minify: true,
  }),
  build({
    ...commonJs,
    entryPoints: ['src/alarm/index.ts'],
    outfile: 'dist/alarm.cjs',
    external: ['nodemailer'],
  }),
  buildDashboard(),
  fs.existsSync('src/cli/svc-main.ts') &&
    build({
      ...commonJs,
      entryPoints: ['src/cli/svc-main.ts'],
      outfile: 'dist/svc.cjs',
      plugins: [builtinDefaultImports],
      minify: true,
    }),
]);
