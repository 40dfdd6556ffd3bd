// Finds the peers and installs the missing ones: daemontools and s6 with apt-get; runit and
// Supervisor only unpacked from Debian's packages into the cache (runit would take over the init
// system, Supervisor would start a system-wide supervisord); pm2 with npm into the cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const quiet = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] };

function run(file, args, options = {}) {
  const result = spawnSync(file, args, { ...quiet, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, output: result.error ? result.error.message : output };
}

const lastLine = (text) => text.split('\n').filter(Boolean).at(-1) ?? '';

/** Installed version of a Debian package, or null. */
function dpkgVersion(pkg) {
  const result = run('dpkg-query', ['-W', '-f=${Status}\t${Version}', pkg]);
  if (!result.ok) return null;
  const [status, version] = result.output.split('\t');
  return status === 'install ok installed' ? version : null;
}

/** The file of `pkg` whose path ends with /NAME (dpkg -L), so a `supervise` earlier on PATH cannot shadow it. */
function dpkgFile(pkg, name) {
  const result = run('dpkg', ['-L', pkg]);
  if (!result.ok) return null;
  return result.output.split('\n').find((path) => path.endsWith(`/${name}`) && existsSync(path)) ?? null;
}

function canApt(log) {
  if (!existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/dpkg')) {
    log('  apt-get/dpkg not found: not a Debian-like system');
    return false;
  }
  return true;
}

let listsRefreshed = false;
/** Runs an apt-get command; on failure refreshes the package lists once (as root) and tries again. */
function aptGet(args, log, options = {}) {
  let result = run('apt-get', args, options);
  if (!result.ok && !listsRefreshed && process.getuid?.() === 0) {
    listsRefreshed = true;
    log('  apt-get failed, refreshing package lists (apt-get update) and retrying');
    const update = run('apt-get', ['update', '-q']);
    if (!update.ok) log(`  apt-get update failed: ${lastLine(update.output)}`);
    result = run('apt-get', args, options);
  }
  return result;
}

/** daemontools and s6 from apt: returns { name: { bin, version } | { skip } }. */
function ensureApt(wanted, install, log) {
  const found = {};
  const missing = wanted.filter((peer) => !dpkgVersion(peer.pkg));
  if (missing.length && install && canApt(log)) {
    const names = missing.map((peer) => peer.pkg);
    if (process.getuid?.() !== 0) {
      log(`  not root: cannot apt-get install ${names.join(' ')}`);
    } else {
      log(`  installing ${names.join(' ')} with apt-get`);
      const result = aptGet(['install', '-y', '-q', '--no-install-recommends', ...names], log, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (!result.ok) log(`  apt-get install failed: ${lastLine(result.output)}`);
    }
  }
  for (const peer of wanted) {
    const version = dpkgVersion(peer.pkg);
    const bin = version && dpkgFile(peer.pkg, peer.bin);
    found[peer.name] = bin
      ? { bin, version: `${peer.pkg} ${version}` }
      : { skip: `package ${peer.pkg} is not installed${install ? ' and could not be installed' : ' (--no-install)'}: apt-get install ${peer.pkg}` };
  }
  return found;
}

/**
 * Debian package `pkg` unpacked into `root` with `apt-get download` + `dpkg -x` (never installed);
 * `root/.version` says which version. Returns the version line, or null when it is not there and
 * could not be unpacked.
 */
function unpackDeb(pkg, root, cacheDir, install, log) {
  const versionFile = join(root, '.version');
  if (existsSync(versionFile)) return readFileSync(versionFile, 'utf8').trim();
  if (!install || !canApt(log)) return null;
  log(`  unpacking ${pkg} into ${root} (apt-get download + dpkg -x; not installed)`);
  mkdirSync(cacheDir, { recursive: true });
  const debOf = () => readdirSync(cacheDir).find((name) => name.startsWith(`${pkg}_`) && name.endsWith('.deb'));
  for (let old = debOf(); old; old = debOf()) rmSync(join(cacheDir, old));
  const download = aptGet(['download', pkg], log, { cwd: cacheDir });
  const deb = debOf();
  if (!deb) {
    log(`  apt-get download ${pkg} failed: ${lastLine(download.output)}`);
    return null;
  }
  rmSync(root, { recursive: true, force: true });
  const unpack = run('dpkg', ['-x', join(cacheDir, deb), root]);
  if (!unpack.ok) {
    log(`  dpkg -x ${deb} failed: ${lastLine(unpack.output)}`);
    return null;
  }
  const version = execFileSync('dpkg-deb', ['-f', join(cacheDir, deb), 'Version'], quiet).trim();
  writeFileSync(versionFile, `${pkg} ${version} (unpacked, not installed)\n`);
  rmSync(join(cacheDir, deb));
  return readFileSync(versionFile, 'utf8').trim();
}

/** runit's runsv (and runsvdir, sv beside it) from Debian's package unpacked into CACHE/runit. */
function ensureRunit(cacheDir, install, log) {
  const root = join(cacheDir, 'runit');
  const findRunsv = () => ['usr/bin/runsv', 'sbin/runsv', 'usr/sbin/runsv'].map((path) => join(root, path)).find(existsSync);
  const version = unpackDeb('runit', root, cacheDir, install, log);
  const runsv = version && findRunsv();
  if (!runsv) return { skip: `runsv not found in ${root}${install ? '' : ' (--no-install)'}: apt-get download runit && dpkg -x runit_*.deb ${root}` };
  return { bin: runsv, version };
}

/** Supervisor's Python: Debian's own interpreter, which its package is built for, else python3 on PATH. */
function findPython() {
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  const which = run('sh', ['-c', 'command -v python3']);
  return which.ok && which.output ? which.output : null;
}

/**
 * Supervisor from Debian's package, unpacked into CACHE/supervisor with the one Python module it
 * needs that the standard library lacks (pkg_resources, from python3-pkg-resources, unpacked
 * beside it), run by the machine's python3 with PYTHONPATH at both: { python, pythonPath, version }.
 */
function ensureSupervisor(cacheDir, install, log) {
  const python = findPython();
  if (!python) return { skip: 'no python3 on this machine: apt-get install python3' };
  const packages = [['supervisor', 'supervisor'], ['python3-pkg-resources', 'python3-pkg-resources']];
  const versions = [];
  for (const [pkg, dir] of packages) {
    const version = unpackDeb(pkg, join(cacheDir, dir), cacheDir, install, log);
    if (!version) return { skip: `${pkg} not unpacked in ${join(cacheDir, dir)}${install ? '' : ' (--no-install)'}: apt-get download ${pkg} && dpkg -x ${pkg}_*.deb ${join(cacheDir, dir)}` };
    versions.push(version);
  }
  const pythonPath = packages.map(([, dir]) => join(cacheDir, dir, 'usr', 'lib', 'python3', 'dist-packages')).join(':');
  const probe = run(python, ['-m', 'supervisor.supervisord', '--version'], { env: { ...process.env, PYTHONPATH: pythonPath } });
  if (!probe.ok) return { skip: `${python} -m supervisor.supervisord --version failed: ${lastLine(probe.output)}` };
  const pythonVersion = run(python, ['--version']).output.replace(/^Python /, '');
  return { python, pythonPath, version: `${versions[0]}, ${versions[1]}, Python ${pythonVersion}` };
}

/** The pm2 release the bench installs: its engines accept Node 18 and later. */
export const PM2_VERSION = '7.0.4';

/** pm2 installed with npm into CACHE/pm2 (never a dependency of the project): { cli, version }. */
function ensurePm2(cacheDir, install, log) {
  const prefix = join(cacheDir, 'pm2');
  const manifest = join(prefix, 'node_modules', 'pm2', 'package.json');
  const installed = () => (existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : null);
  if (installed() !== PM2_VERSION && install) {
    log(`  installing pm2@${PM2_VERSION} with npm into ${prefix}`);
    mkdirSync(prefix, { recursive: true });
    const npm = run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `pm2@${PM2_VERSION}`], { timeout: 300_000 });
    if (!npm.ok) log(`  npm install pm2@${PM2_VERSION} failed: ${lastLine(npm.output)}`);
  }
  const version = installed();
  if (!version) return { skip: `pm2 is not in ${prefix}${install ? '' : ' (--no-install)'}: npm install --prefix ${prefix} pm2@${PM2_VERSION}` };
  return { cli: join(dirname(manifest), 'bin', 'pm2'), version: `pm2 ${version} (npm, in the bench's cache)` };
}

/** Finds or installs the peers named in `names`; returns { name: { bin, version } | { skip } }. */
export function ensurePeers(names, { cacheDir, install, log }) {
  const aptPeers = [
    { name: 'daemontools', pkg: 'daemontools', bin: 'supervise' },
    { name: 's6', pkg: 's6', bin: 's6-supervise' },
  ].filter((peer) => names.includes(peer.name));
  const found = ensureApt(aptPeers, install, log);
  if (names.includes('runit')) found.runit = ensureRunit(cacheDir, install, log);
  return found;
}

/**
 * The peers of the many-services suite: { name: { …paths, version } | { skip } } for runsvdir
 * (runit, unpacked), s6-svscan (s6, apt), supervisord (Supervisor, unpacked) and pm2 (npm).
 */
export function ensureManyPeers(names, { cacheDir, install, log }) {
  const found = {};
  if (names.includes('runsvdir')) {
    const runit = ensureRunit(cacheDir, install, log);
    const runsvdir = runit.bin && join(dirname(runit.bin), 'runsvdir');
    found.runsvdir = runit.skip ? runit : existsSync(runsvdir) ? { bin: runsvdir, binDir: dirname(runit.bin), version: runit.version } : { skip: `no runsvdir beside ${runit.bin}` };
  }
  if (names.includes('s6-svscan')) {
    const s6 = ensureApt([{ name: 's6', pkg: 's6', bin: 's6-svscan' }], install, log).s6;
    const control = s6.bin && dpkgFile('s6', 's6-svscanctl');
    found['s6-svscan'] = s6.skip ? s6 : control ? { bin: s6.bin, control, version: s6.version } : { skip: 'package s6 has no s6-svscanctl' };
  }
  if (names.includes('supervisord')) found.supervisord = ensureSupervisor(cacheDir, install, log);
  if (names.includes('pm2')) found.pm2 = ensurePm2(cacheDir, install, log);
  return found;
}
