// Where a host keeps its files: ROOT/NAME for each service (the same status directory as a
// per-service supervise), and ROOT/.host for the host's own: its hold, its control FIFO, its
// status and its log. A service name never starts with a dot, so the two never meet, and
// `svc status ROOT/*` (a shell glob skips dot names) lists the services alone.
import path from 'node:path';
import { statusPaths, type StatusPaths } from '../status/status-paths.ts';

export interface HostPaths {
  root: string;
  dir: string;
  lock: string;
  control: string;
  statusJson: string;
  statusJsonNew: string;
  log: string;
  logWf: string;
}

export const HOST_DIR = '.host';

export function hostPaths(root: string): HostPaths {
  const dir = path.join(root, HOST_DIR);
  const at = (name: string) => path.join(dir, name);
  return {
    root,
    dir,
    lock: at('lock'),
    control: at('control'),
    statusJson: at('status.json'),
    statusJsonNew: at('status.json.new'),
    log: at('supervise.log'),
    logWf: at('supervise.log.wf'),
  };
}

export function serviceDirOf(root: string, name: string): StatusPaths {
  return statusPaths(path.join(root, name));
}
