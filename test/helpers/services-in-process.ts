// Several services supervised by this very process, each with the whole per-service wiring
// (status directory, hold, logs, config, FIFOs, runner): what a host of many services does, for
// the tests that show one service cannot hold up another. Control letters go through the real
// `control` FIFO; every process of every directory is killed by pid at the end.
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { decodeStatusDocument, type StatusDocument } from '../../src/status/status-codec.ts';
import { scanProc } from '../../src/supervisor/service-tag.ts';
import { startSupervise, type StartFailure } from '../../src/supervisor/start-supervise.ts';
import type { ServiceSupervision } from '../../src/supervisor/service-supervision.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import { waitFor } from './wait-for.ts';

export interface InProcessService {
  name: string;
  dir: string;
  supervision: ServiceSupervision;
  document(): StatusDocument | null;
  /** Writes letters to the `control` FIFO, as `echo d > control` does. */
  send(letters: string): void;
}

export interface InProcessHost {
  root: string;
  services: Map<string, InProcessService>;
}

/** `config`: the text of supervise.conf (a section per service); `commands`: each service's argv. */
export function servicesInProcess(t: TestContext, config: string, commands: Record<string, string[]>, env: NodeJS.ProcessEnv = {}): InProcessHost {
  const root = makeTempDir('supervise-many-');
  const conf = path.join(root, 'supervise.conf');
  fs.writeFileSync(conf, config);
  const services = new Map<string, InProcessService>();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    for (const [name, command] of Object.entries(commands)) {
      const dir = path.join(root, 'status', name);
      const started = startSupervise({ statusDir: dir, command, configPath: conf, restartHook: null, resetAfterS: null });
      if (!('started' in started)) throw new Error(`unable to supervise ${name}: ${(started as StartFailure).message}`);
      services.set(name, {
        name,
        dir,
        supervision: started,
        document: () => readDocument(dir),
        send: (letters) => {
          const fd = fs.openSync(path.join(dir, 'control'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
          try {
            fs.writeSync(fd, letters);
          } finally {
            fs.closeSync(fd);
          }
        },
      });
    }
  } finally {
    process.env = saved;
  }
  t.after(async () => {
    for (const service of services.values()) service.supervision.dispatch({ type: 'terminate', signal: 'SIGTERM' });
    await Promise.race([Promise.all([...services.values()].map((service) => service.supervision.finished)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (const service of services.values()) {
      for (const leftover of scanProc(service.dir).tagged) {
        try {
          process.kill(leftover.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    removeTempDir(root);
  });
  return { root, services };
}

export function readDocument(dir: string): StatusDocument | null {
  try {
    return decodeStatusDocument(fs.readFileSync(path.join(dir, 'status.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Milliseconds from a control letter to the state it asks for, as status.json shows it. */
export async function controlLatency(service: InProcessService, letter: 'd' | 'u', timeoutMs = 10_000): Promise<number> {
  const began = performance.now();
  service.send(letter);
  await waitFor(
    `${service.name} to obey ${letter}`,
    () => {
      const now = service.document();
      // Obeyed: the want it sets (the start itself waits out restart_delay after the last one).
      return now?.want === (letter === 'd' ? 'down' : 'up');
    },
    { timeoutMs, intervalMs: 2 },
  );
  return performance.now() - began;
}
