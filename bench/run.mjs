// `npm run bench`: supervise and its C peers (daemontools, runit, s6) side by side in one run,
// one table of medians, min–max and our ratio to each peer; `--suite many`: N services under
// supervise (per service and as a host), Supervisor, pm2, runsvdir and s6-svscan, one table per N.
// Method: docs/performance.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crashLoop, control, forkExecFloor, memoryAndIdle, memoryMany, nodeFloor, refusedStart, respawn, scale, startup } from './lib/figures.mjs';
import { ensureManyPeers, ensurePeers } from './lib/install.mjs';
import { killAllSets, manySuite } from './lib/many.mjs';
import { hostAdapter, hostAvailable, perServiceAdapter, pm2Adapter, runsvdirAdapter, s6svscanAdapter, supervisordAdapter } from './lib/many-peers.mjs';
import { fmt, MANY_ALL, manyTable, manyVerdicts, summarizeMany, summary as summaryOf, updateManyDoc } from './lib/many-report.mjs';
import { healthCheckCost, readyLatency } from './lib/part-two.mjs';
import { buildHelpers, readExecStamp, readFixtureLog } from './lib/native.mjs';
import { anomalyNotes, floorNotes, partTwoNotes, refusedNotes, summarize, table, updateDoc, verdicts } from './lib/report.mjs';
import { bareNodeAdapter, killEverything, makeDirs, oursAdapter, peerAdapter } from './lib/supervisors.mjs';

const USAGE = `usage: node bench/run.mjs [--suite one|many] [--quick] [--only NAMES] [--figures LETTERS]
                          [--counts N,…] [--no-install] [--trials N] [--start-trials N]
                          [--idle-seconds S] [--instances N] [--scale N] [--update-docs]
                          [--check] [--keep] [--shared-node]
  --suite one      (default) one service under each supervisor: figures a–j
  --suite many     N services under each supervisor, at each N of --counts (docs/performance.md)
  --quick          5 trials, 6 crash-loop starts, 5 s idle window (scaled to 30 s), scale 20;
                   many: N = 1,10, 3 trials, 10 s settle
  --only NAMES     comma-separated subset of: supervise,daemontools,runit,s6
                   many: supervisord,pm2,runsvdir,s6-svscan,supervise,host
  --counts N,…     many: the numbers of services (default 1,50,200)
  --start-trials N many: start-all/stop-all trials at every N (default 5 at 1, 3 up to 50, 2 above)
  --figures L      comma-separated subset of: a,b,c,d,e,f,g,h,i,j (see docs/performance.md);
                   i and j measure supervise alone, so with only them no peer is installed
  --scale N        supervisors of each kind in h (default: $BENCH_SCALE, else 200)
  --no-install     do not apt-get install / unpack missing peers; skip them
  --update-docs    write the table into docs/performance.md
  --check          exit 1 when supervise misses a target (many: a goal)
  --keep           keep the temporary work directory (service dirs, fixture logs, stderr)
  --shared-node    run supervise on the bench's own Node binary instead of a private copy
                   (its PSS then counts Node's code pages as shared with the bench)`;

const ALL = ['supervise', 'daemontools', 'runit', 's6'];
const FIGURES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
/** Part two's figures: readiness and health checks, keys that no C peer has. */
const SUPERVISE_ONLY = ['i', 'j'];
const repoRoot = realpathSync(new URL('..', import.meta.url).pathname);

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        suite: { type: 'string', default: 'one' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        counts: { type: 'string' },
        'start-trials': { type: 'string' },
        figures: { type: 'string' },
        'no-install': { type: 'boolean', default: false },
        trials: { type: 'string' },
        'idle-seconds': { type: 'string' },
        instances: { type: 'string' },
        scale: { type: 'string' },
        'update-docs': { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        'shared-node': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(100);
  }
  if (parsed.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const list = (text, allowed, what) => {
    if (!text) return allowed;
    const items = text.split(',').map((item) => item.trim()).filter(Boolean);
    const bad = items.filter((item) => !allowed.includes(item));
    if (bad.length) {
      console.error(`bench: unknown ${what}: ${bad.join(', ')}\n${USAGE}`);
      process.exit(100);
    }
    return items;
  };
  const count = (text, fallback) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!(value > 0)) {
      console.error(`bench: expected a positive number, got ${text}`);
      process.exit(100);
    }
    return value;
  };
  const quick = parsed.quick;
  if (!['one', 'many'].includes(parsed.suite)) {
    console.error(`bench: unknown suite: ${parsed.suite}\n${USAGE}`);
    process.exit(100);
  }
  if (parsed.suite === 'many') {
    const counts = (parsed.counts ?? (quick ? '1,10' : '1,50,200')).split(',').map((text) => Math.round(count(text.trim())));
    const startTrials = parsed['start-trials'] ? Math.round(count(parsed['start-trials'])) : null;
    return {
      suite: 'many',
      quick,
      names: list(parsed.only, MANY_ALL, 'supervisor'),
      install: !parsed['no-install'],
      idleSeconds: count(parsed['idle-seconds'], quick ? 5 : 30),
      settleMs: quick ? 10_000 : 15_000,
      trials: Math.round(count(parsed.trials, quick ? 3 : 5)),
      updateDocs: parsed['update-docs'],
      check: parsed.check,
      keep: parsed.keep,
      sharedNode: parsed['shared-node'],
      many: {
        counts,
        // Fewer trials where a start costs most: 200 per-service supervisors take about 20 s to start.
        startTrials: (n) => startTrials ?? (quick ? (n <= 1 ? 3 : 2) : n <= 1 ? 5 : n <= 50 ? 3 : 2),
        startTrialsText: startTrials ? String(startTrials) : quick ? '3 at N = 1, 2 above' : '5 at N = 1, 3 up to 50, 2 above',
        trials: Math.round(count(parsed.trials, quick ? 3 : 5)),
        addTrials: quick ? 2 : 3,
        settleMs: quick ? 10_000 : 15_000,
        idleSeconds: count(parsed['idle-seconds'], quick ? 5 : 30),
      },
    };
  }
  const figures = list(parsed.figures, FIGURES, 'figure');
  const names = list(parsed.only, ALL, 'supervisor');
  return {
    suite: 'one',
    quick,
    // With only supervise's own figures asked for, the peers are neither installed nor shown.
    names: figures.every((figure) => SUPERVISE_ONLY.includes(figure)) ? names.filter((name) => name === 'supervise') : names,
    figures,
    install: !parsed['no-install'],
    trials: Math.round(count(parsed.trials, quick ? 5 : 10)),
    crashStarts: quick ? 6 : 11,
    idleSeconds: count(parsed['idle-seconds'], quick ? 5 : 30),
    instances: Math.round(count(parsed.instances, 20)),
    scaleCount: Math.round(count(parsed.scale ?? process.env.BENCH_SCALE, quick ? 20 : 200)),
    settleMs: quick ? 10_000 : 15_000,
    updateDocs: parsed['update-docs'],
    check: parsed.check,
    keep: parsed.keep,
    sharedNode: parsed['shared-node'],
  };
}

/**
 * A private copy of this Node binary for the supervisors under test. PSS splits a shared page
 * among every process that maps it, and the bench itself (and npm above it) run Node: measured
 * with the same binary, a lone supervise would be charged only a third of Node's code pages.
 * With a copy (same bytes, another inode) the supervisors share those pages only among themselves.
 */
function isolatedNode(cacheDir, log, tag = '') {
  const copy = join(cacheDir, `node-${process.version}${tag}`);
  try {
    if (!existsSync(copy) || statSync(copy).size !== statSync(process.execPath).size) {
      copyFileSync(process.execPath, `${copy}.tmp`);
      chmodSync(`${copy}.tmp`, 0o755);
      renameSync(`${copy}.tmp`, copy);
    }
    return copy;
  } catch (error) {
    log(`bench: cannot copy ${process.execPath} (${error.message}); supervise shares Node's pages with the bench, so its PSS reads low`);
    return null;
  }
}

/** Our supervise, if built and answering `-v`; else the reason to skip it. */
function findOurs(emptyConfig, node) {
  const bin = join(repoRoot, 'bin', 'supervise');
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    return { skip: `${bin} is missing or not executable` };
  }
  const env = node ? { ...process.env, SUPERVISE_NODE: node } : process.env;
  const probe = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000, env });
  if (probe.status !== 0) {
    const why = probe.error?.message ?? (`${probe.stderr}`.trim().split('\n').at(-1) || `exit ${probe.status ?? probe.signal}`);
    return { skip: `${bin} -v failed (run npm run build?): ${why}` };
  }
  const version = `${probe.stdout.trim().split('\n')[0]} (Node ${process.version}${node ? ', private copy' : ''})`;
  return { adapter: oursAdapter({ bin, version, emptyConfig, env }) };
}

/** The commit measured, with `+changes` when the work tree differs from it. */
function commit() {
  const git = (args) => spawnSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin', 'build.mjs']).stdout.trim();
  return `${head.stdout.trim()}${dirty ? '+changes' : ''}`;
}

function environment() {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    commit: commit(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGB: +(totalmem() / 1e9).toFixed(1),
    kernel: release(),
    node: process.version,
    loadAtStart: loadavg()[0],
  };
}

/**
 * Other work on the machine blurs every latency: says so when the 1-minute load is high as the
 * run starts (later readings would count the bench's own processes).
 */
function loadWarning(load, cpuCount) {
  return load > cpuCount / 4 ? `warning: load average ${load.toFixed(2)} on ${cpuCount} CPUs as the run started: other work shares the CPUs, latencies are noisy` : null;
}

async function main() {
  const opts = options();
  const log = (line) => console.log(line);
  const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'supervise-bench');
  mkdirSync(cacheDir, { recursive: true });
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'supervise-bench-')));
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return [];
    cleaned = true;
    killAllSets();
    const leftovers = killEverything(workDir, [repoRoot, cacheDir]);
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
    return leftovers;
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}: stopping every process of this run`);
      process.exit(130);
    });
  }

  makeDirs(workDir);
  const emptyConfig = join(workDir, 'empty.conf');
  writeFileSync(emptyConfig, '');
  const env = environment();
  log(`bench: ${env.cpus} × ${env.cpuModel}, Linux ${env.kernel}, Node ${env.node}, commit ${env.commit}${opts.quick ? ', --quick' : ''}`);
  const busyAtStart = loadWarning(env.loadAtStart, env.cpus);
  if (busyAtStart) log(`bench: ${busyAtStart}`);
  log(`bench: work directory ${workDir}, cache ${cacheDir}`);

  const helpers = buildHelpers(cacheDir);
  if (opts.suite === 'many') {
    await runMany(opts, { log, cacheDir, workDir, helpers, emptyConfig, env, busyAtStart, cleanup });
    return;
  }
  const adapters = [];
  const skipped = {};
  let oursNode = null;
  let ours = null;
  if (opts.names.includes('supervise')) {
    oursNode = opts.sharedNode ? null : isolatedNode(cacheDir, log);
    const found = findOurs(emptyConfig, oursNode);
    if (found.adapter) adapters.push((ours = found.adapter));
    else skipped.supervise = found.skip;
  }
  const peers = ensurePeers(opts.names.filter((name) => name !== 'supervise'), { cacheDir, install: opts.install, log });
  for (const name of ALL.filter((n) => n in peers)) {
    if (peers[name].skip) skipped[name] = peers[name].skip;
    else adapters.push(peerAdapter(name, peers[name]));
  }
  for (const adapter of adapters) log(`bench: ${adapter.name}: ${adapter.version}`);
  for (const [name, why] of Object.entries(skipped)) log(`bench: SKIPPED ${name}: ${why}`);
  if (!adapters.length) throw new Error('nothing to measure');

  const ctx = { workDir, helpers, options: opts };
  const results = {};
  const stage = async (key, what, run) => {
    const began = Date.now();
    log(`bench: ${what} …`);
    results[key] = await run(adapters, ctx);
    log(`bench:   done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  };
  const want = (letter) => opts.figures.includes(letter);
  const floors = { forkExec: forkExecFloor(ctx) };
  if (want('f') && ours) floors.node = nodeFloor(ctx, oursNode ?? process.execPath);
  if (want('a')) await stage('crash', `a. crash loop, ${opts.crashStarts} starts each, side by side`, crashLoop);
  if (want('d') || want('e')) {
    // Bare Node beside them when supervise is measured: the part of its figures that is Node's.
    // It gets a copy of its own, so that it and supervise do not share (and halve) Node's pages.
    const bareNode = ours && (opts.sharedNode ? process.execPath : isolatedNode(cacheDir, log, '-bare'));
    const bare = bareNode ? [bareNodeAdapter({ node: bareNode })] : [];
    await stage('idle', `d/e. memory alone and ${opts.idleSeconds} s idle, side by side, ${opts.settleMs / 1000} s after start`, (list, c) => memoryAndIdle([...list, ...bare], c));
    if (bare.length) {
      floors.nodeIdle = results.idle['bare node'];
      delete results.idle['bare node'];
    }
  }
  if (want('b')) await stage('respawn', `b. respawn after SIGKILL, ${opts.trials} trials each`, respawn);
  if (want('c')) await stage('control', `c. control d/u, ${opts.trials} trials each`, control);
  if (want('f')) await stage('start', `f. start, ${opts.trials} trials each`, startup);
  if (want('g')) await stage('refused', `g. refused start on a held directory, ${opts.trials * 2} trials each`, refusedStart);
  if (want('i') && ours) await stage('ready', `i. READY=1 → status.json ready, ${Math.max(20, opts.trials * 2)} starts, supervise alone`, readyLatency);
  if (want('j') && ours) await stage('health', `j. TCP health check: every 10 s for ${Math.max(30, opts.idleSeconds)} s, then every 10 ms for 1000 probes, supervise alone`, healthCheckCost);
  if (want('d')) await stage('many', `d. memory of ${opts.instances} instances at once, one kind at a time`, memoryMany);
  if (want('h')) await stage('scale', `h. scale: ${opts.scaleCount} started one after another, ${opts.idleSeconds} s idle, one kind at a time`, scale);

  const leftovers = cleanup();
  const columns = ALL.filter((name) => opts.names.includes(name));
  const summaries = summarize(results, columns);
  const checks = verdicts(summaries);
  const { markdown, errors } = table(summaries, checks, columns, skipped);
  const notes = [
    `${opts.trials} trials per latency; d and e taken ${opts.settleMs / 1000} s after the service started; ` +
      `idle window ${opts.idleSeconds} s${opts.idleSeconds === 30 ? '' : ' scaled to 30 s'}; N = ${opts.instances} in d, ${opts.scaleCount} in h; ` +
      `MB = 10^6 bytes; cells: median (min–max), memory of N: mean (min–max).`,
    ...(busyAtStart ? [busyAtStart] : []),
    ...floorNotes(floors),
    ...refusedNotes(results),
    ...partTwoNotes(results),
    ...anomalyNotes(results),
    ...Object.entries(skipped).map(([name, why]) => `${name} skipped: ${why}`),
    ...errors.map((error, i) => `[${i + 1}] ${error}`),
  ];
  if (leftovers.length) notes.push(`warning: ${leftovers.length} process(es) of this run outlived their stop and were killed: ${leftovers.join(' ')}`);
  const versions = adapters.map((adapter) => `${adapter.name}: ${adapter.version}`).join('; ');
  const block = [
    `${env.date.slice(0, 10)}, commit ${env.commit}, ${env.cpus} × ${env.cpuModel}, Linux ${env.kernel}, Node ${env.node}${opts.quick ? ', --quick' : ''}.`,
    `Versions: ${versions}.`,
    '',
    markdown,
    '',
    ...notes.map((note) => `- ${note}`),
  ].join('\n');
  log(`\n${block}\n`);

  const resultsDir = join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const json = { environment: env, options: opts, versions: Object.fromEntries(adapters.map((a) => [a.name, a.version])), skipped, floors, results, summaries, checks, leftovers };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.md'), `${block}\n`);
  log(`bench: raw samples in ${join('bench', 'results', 'latest.json')}`);
  if (opts.updateDocs) {
    updateDoc(join(repoRoot, 'docs', 'performance.md'), block);
    log('bench: table written to docs/performance.md');
  }
  if (opts.check && Object.values(checks).some((check) => check.pass === false)) process.exitCode = 1;
}

/** The many-services suite: installs or finds the peers, runs the suite, writes the tables. */
async function runMany(opts, { log, cacheDir, workDir, helpers, emptyConfig, env, busyAtStart, cleanup }) {
  const adapters = [];
  // name → { short: the table's cell, long: why }
  const missing = {};
  const wanted = (name) => opts.names.includes(name);
  const bin = join(repoRoot, 'bin', 'supervise');
  let oursNode = null;
  let ours = null;
  if (wanted('supervise') || wanted('host')) {
    oursNode = opts.sharedNode ? null : isolatedNode(cacheDir, log);
    const found = findOurs(emptyConfig, oursNode);
    if (found.adapter) ours = found.adapter;
    else for (const name of ['supervise', 'host'].filter(wanted)) missing[name] = { short: 'skipped', long: found.skip };
  }
  const peers = ensureManyPeers(opts.names, { cacheDir, install: opts.install, log });
  const make = {
    supervisord: (found) => supervisordAdapter(found),
    pm2: (found) => {
      // pm2's daemon runs on the Node that runs its CLI: a copy of its own, as supervise has.
      const node = opts.sharedNode ? process.execPath : isolatedNode(cacheDir, log, '-pm2') ?? process.execPath;
      return pm2Adapter({ ...found, node, version: `${found.version}, Node ${process.version}${node === process.execPath ? '' : ', private copy'}` });
    },
    runsvdir: (found) => runsvdirAdapter(found),
    's6-svscan': (found) => s6svscanAdapter(found),
  };
  for (const name of MANY_ALL.filter(wanted)) {
    if (name === 'supervise') {
      if (ours) adapters.push(perServiceAdapter({ bin, version: ours.version, node: oursNode, emptyConfig, lanes: env.cpus }));
    } else if (name === 'host') {
      if (!ours) continue;
      const why = hostAvailable(bin, oursNode ? { ...process.env, SUPERVISE_NODE: oursNode } : process.env);
      if (why) {
        missing.host = { short: 'not available', long: why };
        continue;
      }
      // A copy of Node of its own: the host shares no page with the per-service supervisors beside it.
      const hostNode = opts.sharedNode ? null : isolatedNode(cacheDir, log, '-host');
      adapters.push(hostAdapter({ bin, node: hostNode, version: `${ours.version.replace(/ \(.*/, '')} --host (Node ${process.version}${hostNode ? ', private copy' : ''})` }));
    } else if (peers[name].skip) {
      missing[name] = { short: 'skipped', long: peers[name].skip };
    } else {
      adapters.push(make[name](peers[name]));
    }
  }
  for (const adapter of adapters) log(`bench: ${adapter.name}: ${adapter.version}`);
  for (const [name, why] of Object.entries(missing)) log(`bench: ${why.short.toUpperCase()} ${name}: ${why.long}`);
  if (!adapters.length) throw new Error('nothing to measure');

  const ctx = { workDir, helpers, options: { ...opts, instances: 20 } };
  const began = Date.now();
  const extra = {};
  let floorMs = null;
  let perService20 = null;
  if (ours && wanted('supervise')) {
    // Node starts, spawns the fixture, exits: 2 trials after each per-service start trial at N = 1.
    let floorTrial = 0;
    ctx.nodeFloorTrial = () => {
      const { helpers: { stamp, fixture } } = ctx;
      const file = join(workDir, 'logs', `many-node-floor-${++floorTrial}`);
      execFileSync(stamp, ['exec', `${file}.stamp`, oursNode ?? process.execPath, join(repoRoot, 'bench', 'node-floor.mjs'), fixture, `${file}.log`], { stdio: 'ignore', timeout: 30_000 });
      return Number(readFixtureLog(`${file}.log`)[0].ns - readExecStamp(`${file}.stamp`)) / 1e6;
    };
    log('bench: PSS of 20 per-service supervise at once …');
    perService20 = (await memoryMany([ours], ctx)).supervise;
    if (perService20.error) log(`bench: PSS of 20: ${perService20.error}`);
    else extra.pss20 = perService20.pssKiB.reduce((sum, kib) => sum + kib, 0) / perService20.pssKiB.length * 1024 / 1e6;
  }
  const byCount = await manySuite(adapters, ctx, log);
  floorMs = byCount[1]?.supervise?.nodeFloor ?? null;
  if (floorMs?.length) extra.nodeFloorMs = summaryOf(floorMs).median;
  const minutes = (Date.now() - began) / 60_000;

  const leftovers = cleanup();
  const columns = MANY_ALL.filter(wanted);
  const summaries = summarizeMany(byCount);
  const m = opts.many;
  const notes = [
    `${m.startTrialsText} start-all/stop-all trials; ${m.trials} trials of kill -9 and of stop, ${m.addTrials} of add; memory read ${m.settleMs / 1000} s after the last set started, all sets running; idle window ${m.idleSeconds} s${m.idleSeconds === 30 ? '' : ' scaled to 30 s'}; cells: median (min–max); MB = 10^6 bytes; the suite took ${minutes.toFixed(1)} min.`,
    ...(busyAtStart ? [busyAtStart] : []),
    ...(floorMs?.length ? [`Node floor (\`node bench/node-floor.mjs\`: Node starts, spawns the fixture, exits; ${floorMs.length} trials, two after each per-service start trial at N = 1): ${fmtSummary(floorMs)} ms.`] : []),
    ...(perService20 && !perService20.error ? [`per-service supervise, 20 at once, 15 s after start: PSS ${(extra.pss20).toFixed(2)} MB each (mean).`] : []),
  ];
  const problems = [];
  for (const [count, byName] of Object.entries(byCount)) {
    for (const [name, record] of Object.entries(byName)) {
      for (const text of record.errors) problems.push(`error: N = ${count}, ${name}, ${text}`);
      for (const text of record.anomalies) problems.push(`anomaly: N = ${count}, ${name}: ${text}`);
    }
  }
  for (const [name, why] of Object.entries(missing)) notes.push(`${name}: ${why.long}`);
  if (leftovers.length) notes.push(`warning: ${leftovers.length} process(es) of this run outlived their stop and were killed: ${leftovers.join(' ')}`);
  const tables = m.counts.map((count) => manyTable(count, summaries[count], byCount[count], columns, missing));
  const goals = manyVerdicts(summaries, m.counts, missing, extra, columns);
  const versions = adapters.map((adapter) => `${adapter.name}: ${adapter.version}`).join('; ');
  const block = [
    `${env.date.slice(0, 10)}, commit ${env.commit}, ${env.cpus} × ${env.cpuModel}, Linux ${env.kernel}, Node ${env.node}${opts.quick ? ', --quick' : ''}.`,
    `Versions: ${versions}.`,
    '',
    tables.join('\n\n'),
    '',
    ...notes.map((note) => `- ${note}`),
    ...problems.map((note) => `- ${note}`),
    '',
    'Goals (issue 26):',
    '',
    ...goals.map((goal) => `- ${goal}`),
  ].join('\n');
  log(`\n${block}\n`);
  const resultsDir = join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'many.json'), `${JSON.stringify({ environment: env, options: { ...opts, many: { ...m, startTrials: undefined } }, missing, extra, byCount, summaries, leftovers }, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'many.md'), `${block}\n`);
  log(`bench: raw samples in ${join('bench', 'results', 'many.json')}`);
  if (opts.updateDocs) {
    updateManyDoc(join(repoRoot, 'docs', 'performance.md'), block);
    log('bench: tables written to docs/performance.md');
  }
  if (opts.check && goals.some((goal) => goal.includes('**not met**'))) process.exitCode = 1;
}

/** "median (min–max)" of a list of samples. */
function fmtSummary(values) {
  const s = summaryOf(values);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

main().catch((error) => {
  console.error(`bench: fatal: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
