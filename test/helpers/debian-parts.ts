// The real Prometheus parts the fleet tests run: Debian's node_exporter and Alertmanager,
// unpacked (never installed) by scripts/fetch-test-parts.sh into a cache directory. Started on
// loopback by the tests themselves and stopped by pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive, track } from './processes.ts';
import { waitFor, withDeadline } from './wait-for.ts';

const CACHE = process.env.SUPERVISE_TEST_PARTS ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'supervise-test', 'debian');

const BINARIES = {
  'prometheus-node-exporter': 'usr/bin/prometheus-node-exporter',
  'prometheus-alertmanager': 'usr/bin/prometheus-alertmanager',
} as const;

export type DebianPart = keyof typeof BINARIES;

function unpacked(part: DebianPart): string {
  return path.join(CACHE, part);
}

function binary(part: DebianPart): string {
  return path.join(unpacked(part), BINARIES[part]);
}

function missing(parts: readonly DebianPart[]): DebianPart[] {
  return parts.filter((part) => {
    try {
      fs.accessSync(binary(part), fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * For `describe(name, { skip: skipUnlessPresent(...) })`: a reason to skip when a part is
 * missing, so that a developer without them sees what to run. Under CI=true nothing is skipped:
 * the tests run, and the first use of a missing part fails them.
 */
export function skipUnlessPresent(...parts: DebianPart[]): string | false {
  const absent = missing(parts);
  if (absent.length === 0 || process.env.CI === 'true') return false;
  return `${absent.join(' and ')} not found in ${CACHE}: run scripts/fetch-test-parts.sh`;
}

function requirePart(part: DebianPart): string {
  if (missing([part]).length > 0) throw new Error(`${part} not found in ${CACHE}: run scripts/fetch-test-parts.sh (it must be fetched for CI)`);
  return binary(part);
}

/** A loopback port nobody listens on right now (the kernel's choice, so two tests never pick the same one). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await withDeadline('a port to listen on', new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  }), 10_000);
  const { port } = server.address() as net.AddressInfo;
  await withDeadline('the port to be released', new Promise<void>((resolve) => server.close(() => resolve())), 10_000);
  return port;
}

export interface RunningPart {
  pid: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** What it wrote on stdout and stderr so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function startPart(file: string, args: string[], port: number, what: string): Promise<RunningPart> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = track(child.pid);
  if (pid === undefined) throw new Error(`unable to start ${what}`);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const part: RunningPart = {
    pid,
    url,
    output: () => output,
    stop: async () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      await waitFor(`${what} (pid ${pid}) to exit`, () => child.exitCode !== null || child.signalCode !== null || !isAlive(pid), { timeoutMs: 10_000 });
    },
  };
  return waitFor(`${what} to answer on ${url}`, async () => {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${output}`);
    const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return part;
  }, { timeoutMs: 15_000, intervalMs: 50 }).catch(async (error: unknown) => {
    await part.stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  });
}

/** node_exporter with only the textfile collector, reading `textDir`. */
export async function startNodeExporter(textDir: string): Promise<RunningPart> {
  const port = await freePort();
  const args = [
    '--collector.disable-defaults',
    '--collector.textfile',
    `--collector.textfile.directory=${textDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  return startPart(requirePart('prometheus-node-exporter'), args, port, 'node_exporter');
}

/**
 * Debian's Alertmanager reads its default template from /usr/share/prometheus/alertmanager. It
 * runs in a private mount namespace where a tmpfs covers /usr/share and the unpacked template
 * directory (and the time zone data) are bound into it: nothing on the host changes.
 */
const NAMESPACE_SETUP = `set -e
work=$1; templates=$2; shift 2
mkdir -p "$work/zoneinfo"
if [ -d /usr/share/zoneinfo ]; then mount --bind /usr/share/zoneinfo "$work/zoneinfo"; fi
mount -t tmpfs -o mode=0755 tmpfs /usr/share
mkdir -p /usr/share/prometheus/alertmanager /usr/share/zoneinfo
mount --bind "$templates" /usr/share/prometheus/alertmanager
mount --bind "$work/zoneinfo" /usr/share/zoneinfo
exec "$@"
`;

/** Alertmanager on loopback with one receiver that sends nothing; its storage under `workDir`. */
export async function startAlertmanager(workDir: string): Promise<RunningPart> {
  const file = requirePart('prometheus-alertmanager');
  const port = await freePort();
  fs.mkdirSync(path.join(workDir, 'data'), { recursive: true });
  const config = path.join(workDir, 'alertmanager.yml');
  fs.writeFileSync(config, ['route:', '  receiver: nobody', 'receivers:', '  - name: nobody', ''].join('\n'));
  const templates = path.join(unpacked('prometheus-alertmanager'), 'usr/share/prometheus/alertmanager');
  const args = [
    '-m',
    '--propagation',
    'private',
    '/bin/sh',
    '-c',
    NAMESPACE_SETUP,
    'sh',
    workDir,
    templates,
    file,
    `--config.file=${config}`,
    `--storage.path=${path.join(workDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // No cluster: no gossip port, no peers to wait for.
    '--cluster.listen-address=',
    '--log.level=warn',
  ];
  // unshare and sh exec in turn, so the pid is Alertmanager's.
  return startPart('unshare', args, port, 'alertmanager');
}
