// svc metrics through the built bin/svc, read by a real node_exporter's textfile collector
// (Debian's, fetched by scripts/fetch-test-parts.sh): supervisors up, down, paused, dead and
// given up, every metric checked as Prometheus sees it after a scrape over HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { skipUnlessPresent, startNodeExporter, type RunningPart } from '../helpers/debian-parts.ts';
import { isAlive, track } from '../helpers/processes.ts';
import { parseExposition, valueOf, type ParsedExposition } from '../helpers/prometheus-text-parser.ts';
import { readDocument, readStatus, run, sendControl, SERVICE, serviceEvents, startSupervise, stopSupervisor, SVC, waitForDown, waitForServicePid } from '../helpers/harness.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { VERSION } from '../../src/version.ts';

const NAMES = ['up', 'down', 'paused', 'dead', 'fatal'] as const;
// Quotes, a backslash and a line feed: all three must be escaped in a label value.
const ODD_ARGS = ['a"b\\c', 'x\ny'];

describe('svc metrics with node_exporter', { skip: skipUnlessPresent('prometheus-node-exporter') }, () => {
  let tmp: string;
  let textDir: string;
  let exporter: RunningPart | null = null;
  const dirOf = (name: string) => path.join(tmp, 'status', name);
  const dirs = () => NAMES.map(dirOf);
  const labels = (name: string) => ({ service: name, dir: dirOf(name) });
  let deadService = 0;

  before(async () => {
    tmp = makeTempDir('svc-metrics-');
    textDir = path.join(tmp, 'textfile');
    fs.mkdirSync(textDir);
    const config = path.join(tmp, 'supervise.conf');
    fs.writeFileSync(config, '[global]\n\n[fatal]\nalarm_interval : 60\nmax_tries : 1\n');
    const serviceLog = path.join(tmp, 'service.log');
    const env = { ...process.env, SERVICE_LOG: serviceLog };
    const start = (name: string, command: string[]) =>
      startSupervise(dirOf(name), ['-F', config, '-u', dirOf(name), ...command], { cwd: tmp, env });
    const started = async (name: string) => {
      const pid = await waitForServicePid(dirOf(name));
      await waitFor(`${name} started`, () => serviceEvents(serviceLog).includes(`start ${pid}`));
      return pid;
    };

    // The five states are set up side by side: each waits on its own supervise.
    const up = async () => {
      // up: killed once with k (restarts 1, last exit SIGKILL), running again
      await start('up', [SERVICE, 'forever', ...ODD_ARGS]);
      const firstUp = await started('up');
      sendControl(dirOf('up'), 'k');
      await waitForServicePid(dirOf('up'), firstUp);
    };
    const down = async () => {
      // down: stopped with d (TERM ends it with 0), alarms silenced
      await start('down', [SERVICE, 'forever']);
      await started('down');
      sendControl(dirOf('down'), 'ds');
      await waitForDown(dirOf('down'));
      await waitFor('down silenced', () => readStatus(dirOf('down'))?.alarmsSilenced === true);
    };
    const paused = async () => {
      await start('paused', [SERVICE, 'forever']);
      await started('paused');
      sendControl(dirOf('paused'), 'p');
      await waitFor('paused', () => readDocument(dirOf('paused'))?.state === 'paused');
    };
    const dead = async () => {
      // dead: its supervise killed with SIGKILL; the service runs on unwatched
      await start('dead', [SERVICE, 'forever']);
      deadService = track(await started('dead')) ?? 0;
      const deadSupervisor = readDocument(dirOf('dead'))?.supervisor_pid ?? 0;
      process.kill(deadSupervisor, 'SIGKILL');
      await waitFor('dead supervisor gone', () => !isAlive(deadSupervisor));
    };
    const fatal = async () => {
      // fatal: exits 3 twice with max_tries 1, supervise gives up and ends
      const result = await start('fatal', [SERVICE, 'exit', '3']);
      const supervisor = readDocument(dirOf('fatal'))?.supervisor_pid;
      assert.ok(supervisor, `fatal did not start: ${result.stderr}`);
      await waitFor('fatal gave up', () => readDocument(dirOf('fatal'))?.state === 'fatal' && !isAlive(supervisor), { timeoutMs: 15_000 });
    };
    await Promise.all([up(), down(), paused(), dead(), fatal(), startNodeExporter(textDir).then((part) => (exporter = part))]);
  });

  after(async () => {
    await exporter?.stop();
    await Promise.all(NAMES.map((name) => readDocument(dirOf(name))).map((document) => document && stopSupervisor(document.supervisor_pid)));
    if (deadService !== 0 && isAlive(deadService)) process.kill(deadService, 'SIGKILL');
    removeTempDir(tmp);
  });

  async function scrape(): Promise<ParsedExposition> {
    assert.ok(exporter);
    const response = await fetch(`${exporter.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200);
    return parseExposition(await response.text());
  }

  test('svc metrics --output writes a file the textfile collector reads without error, with every metric at its value', async () => {
    const file = path.join(textDir, 'supervise.prom');
    const result = await run(SVC, ['metrics', '--output', file, ...dirs()], { cwd: tmp });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.deepEqual(fs.readdirSync(textDir), ['supervise.prom'], 'no temporary file is left beside it');
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);

    const scraped = await scrape();
    assert.equal(valueOf(scraped, 'node_textfile_scrape_error', {}), 0, exporter?.output());
    const at = (name: string, service: string) => valueOf(scraped, name, labels(service));

    // The supervisor and the service, as each state shows them.
    const expected: Record<string, Record<(typeof NAMES)[number], number>> = {
      supervise_supervisor_up: { up: 1, down: 1, paused: 1, dead: 0, fatal: 0 },
      supervise_service_up: { up: 1, down: 0, paused: 1, dead: 0, fatal: 0 },
      supervise_service_ready: { up: 1, down: 0, paused: 0, dead: 0, fatal: 0 },
      supervise_want_up: { up: 1, down: 0, paused: 1, dead: 1, fatal: 1 },
      supervise_alarms_silenced: { up: 0, down: 1, paused: 0, dead: 0, fatal: 0 },
      supervise_failed_starts: { up: 0, down: 0, paused: 0, dead: 0, fatal: 0 },
      supervise_info: { up: 1, down: 1, paused: 1, dead: 1, fatal: 1 },
    };
    for (const [metric, values] of Object.entries(expected)) {
      for (const name of NAMES) assert.equal(at(metric, name), values[name], `${metric} of ${name}`);
    }
    for (const name of NAMES) {
      assert.equal(at('supervise_restarts_total', name), readDocument(dirOf(name))?.restarts, `restarts of ${name}`);
    }
    assert.equal(at('supervise_restarts_total', 'up'), 1);
    assert.ok((at('supervise_restarts_total', 'fatal') ?? 0) >= 1);
    // Last exit: SIGKILL is 128 + 9; d's TERM ends service.mjs with 0; the given-up one exited 3.
    assert.equal(at('supervise_last_exit_code', 'up'), 137);
    assert.equal(at('supervise_last_exit_code', 'down'), 0);
    assert.equal(at('supervise_last_exit_code', 'fatal'), 3);
    assert.equal(at('supervise_last_exit_code', 'paused'), undefined, 'no exit yet, no value');
    // A start time only for a service a live supervise runs, and it is the one status.json gives.
    for (const name of ['up', 'paused'] as const) {
      const startedAt = Date.parse(readDocument(dirOf(name))?.started_at ?? '') / 1000;
      assert.ok(Math.abs((at('supervise_service_start_time_seconds', name) ?? 0) - startedAt) < 0.002, `start time of ${name}`);
    }
    for (const name of ['down', 'dead', 'fatal'] as const) assert.equal(at('supervise_service_start_time_seconds', name), undefined, name);
    // No health check is configured anywhere: the metric is absent.
    assert.equal(scraped.samples.filter((sample) => sample.name === 'supervise_service_healthy').length, 0);
    // Every family has its HELP and TYPE as Prometheus stores them.
    assert.equal(scraped.families.get('supervise_restarts_total')?.type, 'counter');
    assert.equal(scraped.families.get('supervise_service_up')?.type, 'gauge');
    assert.ok(scraped.families.get('supervise_supervisor_up')?.help);
  });

  test('supervise_info carries the version and the command, escaped so that quotes, backslashes and line feeds survive a scrape', async () => {
    const file = path.join(textDir, 'supervise.prom');
    assert.equal((await run(SVC, ['metrics', '-o', file, dirOf('up')], { cwd: tmp })).code, 0);
    const scraped = await scrape();
    const info = scraped.samples.find((sample) => sample.name === 'supervise_info' && sample.labels.service === 'up');
    assert.equal(info?.labels.version, VERSION);
    assert.equal(info?.labels.command, [SERVICE, 'forever', ...ODD_ARGS].join(' '));
    assert.equal(valueOf(scraped, 'node_textfile_scrape_error', {}), 0);
  });

  test('svc metrics prints on stdout what --output writes, in a valid exposition with one HELP and one TYPE per family', async () => {
    const file = path.join(tmp, 'copy.prom');
    const printed = await run(SVC, ['metrics', ...dirs()], { cwd: tmp });
    const written = await run(SVC, ['metrics', ...dirs(), `--output=${file}`], { cwd: tmp });
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(printed.stdout, fs.readFileSync(file, 'utf8'));
    const parsed = parseExposition(printed.stdout);
    assert.equal(parsed.families.size, 10, [...parsed.families.keys()].join(' '));
    for (const family of parsed.families.values()) {
      assert.ok(family.help, `HELP of ${family.name}`);
      assert.ok(family.type, `TYPE of ${family.name}`);
    }
  });

  test('svc metrics gives a missing directory supervise_supervisor_up 0, warns about it and still exits 0', async () => {
    const nowhere = path.join(tmp, 'status', 'nowhere');
    const result = await run(SVC, ['metrics', dirOf('up'), nowhere, `${dirOf('up')}/`], { cwd: tmp });
    assert.equal(result.code, 0);
    assert.match(result.stderr, /nowhere: no such directory/);
    const parsed = parseExposition(result.stdout);
    assert.equal(valueOf(parsed, 'supervise_supervisor_up', { service: 'nowhere', dir: nowhere }), 0);
    assert.equal(valueOf(parsed, 'supervise_service_up', { service: 'nowhere' }), undefined);
    // The same directory named twice is one series, not a duplicate the collector would refuse.
    assert.equal(valueOf(parsed, 'supervise_supervisor_up', labels('up')), 1);
  });

  test('svc metrics --output into a directory that does not exist fails with 9 and says why', async () => {
    const result = await run(SVC, ['metrics', dirOf('up'), '--output', path.join(tmp, 'no', 'such.prom')], { cwd: tmp });
    assert.equal(result.code, 9);
    assert.match(result.stderr, /^svc: error: unable to write .*such\.prom: ENOENT/m);
  });
});
