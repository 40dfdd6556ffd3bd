// The real API server on loopback or a Unix socket, over a MemoryHost, in a temporary directory
// with a token file; closed (and its directory removed) when the test ends, even when it fails.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ApiBounds, ApiListen } from '../../src/api/api-options.ts';
import { startApi, type ApiServer } from '../../src/api/api-server.ts';
import { MemoryLog } from '../../src/logs/log.ts';
import { MemoryHost, statusDocument } from './memory-host.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

export const DASHBOARD_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/dashboard.html');

export interface ApiRig {
  api: ApiServer;
  host: MemoryHost;
  log: MemoryLog;
  dir: string;
  token: string;
  tokenFile: string;
  /** `Authorization: Bearer TOKEN` with the right token. */
  auth: Record<string, string>;
}

export interface ApiRigOptions {
  /** `tcp` (127.0.0.1, a port the kernel picks) by default. */
  on?: 'tcp' | 'unix';
  /** The token file's mode; null: no token file configured. */
  tokenMode?: number | null;
  bounds?: Partial<ApiBounds>;
  host?: MemoryHost;
}

export function threeServices(): MemoryHost {
  return new MemoryHost([
    statusDocument('api', { pid: 2101 }),
    statusDocument('db', { pid: 2102, health: 'healthy' }),
    statusDocument('worker', { pid: 2103, restarts: 2 }),
  ]);
}

export async function startRig(t: TestContext, { on = 'tcp', tokenMode = 0o600, bounds, host = threeServices() }: ApiRigOptions = {}): Promise<ApiRig> {
  const dir = makeTempDir('supervise-api-');
  const token = crypto.randomBytes(32).toString('hex');
  const tokenFile = path.join(dir, 'api.token');
  if (tokenMode !== null) {
    fs.writeFileSync(tokenFile, `${token}\n`, { mode: tokenMode });
    fs.chmodSync(tokenFile, tokenMode);
  }
  const listen: ApiListen = on === 'unix' ? { unix: path.join(dir, 'api.sock') } : { host: '127.0.0.1', port: 0 };
  const log = new MemoryLog();
  const api = await startApi(host, { listen, tokenFile: tokenMode === null ? null : tokenFile, dashboardFile: DASHBOARD_FILE, ...(bounds ? { bounds } : {}) }, log);
  t.after(async () => {
    await api.close();
    removeTempDir(dir);
  });
  return { api, host, log, dir, token, tokenFile, auth: { Authorization: `Bearer ${token}` } };
}
