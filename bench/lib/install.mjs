// Finds the C peers and installs the missing ones from Debian's packages: daemontools and s6 with
// apt-get; runit only unpacked into the cache (installing it would take over the init system).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** runit's runsv from `apt-get download runit` + `dpkg -x` into CACHE/runit (never installed). */
function ensureRunit(cacheDir, install, log) {
  const root = join(cacheDir, 'runit');
  const versionFile = join(root, '.version');
  const findRunsv = () => ['usr/bin/runsv', 'sbin/runsv', 'usr/sbin/runsv'].map((path) => join(root, path)).find(existsSync);
  let runsv = existsSync(versionFile) && findRunsv();
  if (!runsv && install && canApt(log)) {
    log(`  unpacking runit into ${root} (apt-get download + dpkg -x; not installed)`);
    mkdirSync(cacheDir, { recursive: true });
    for (const old of readdirSync(cacheDir).filter((name) => /^runit_.*\.deb$/.test(name))) rmSync(join(cacheDir, old));
    const download = aptGet(['download', 'runit'], log, { cwd: cacheDir });
    const deb = readdirSync(cacheDir).find((name) => /^runit_.*\.deb$/.test(name));
    if (!deb) {
      log(`  apt-get download runit failed: ${lastLine(download.output)}`);
    } else {
      rmSync(root, { recursive: true, force: true });
      const unpack = run('dpkg', ['-x', join(cacheDir, deb), root]);
      if (!unpack.ok) log(`  dpkg -x failed: ${lastLine(unpack.output)}`);
      const version = execFileSync('dpkg-deb', ['-f', join(cacheDir, deb), 'Version'], quiet).trim();
      writeFileSync(versionFile, `runit ${version} (unpacked, not installed)\n`);
      runsv = findRunsv();
    }
  }
  if (!runsv) return { skip: `runsv not found in ${root}${install ? '' : ' (--no-install)'}: apt-get download runit && dpkg -x runit_*.deb ${root}` };
  return { bin: runsv, version: readFileSync(versionFile, 'utf8').trim() };
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
