// Names of the files in a status directory (SPEC §2), in one place for supervise and svc.
import path from 'node:path';

export interface StatusPaths {
  dir: string;
  lock: string;
  control: string;
  ok: string;
  status: string;
  statusNew: string;
  statusJson: string;
  statusJsonNew: string;
  stdout: string;
  stderr: string;
  log: string;
  logWf: string;
}

export function statusPaths(dir: string): StatusPaths {
  const at = (name: string) => path.join(dir, name);
  return {
    dir,
    lock: at('lock'),
    control: at('control'),
    ok: at('ok'),
    status: at('status'),
    statusNew: at('status.new'),
    statusJson: at('status.json'),
    statusJsonNew: at('status.json.new'),
    stdout: at('__stdout'),
    stderr: at('__stderr'),
    log: at('supervise.log'),
    logWf: at('supervise.log.wf'),
  };
}
