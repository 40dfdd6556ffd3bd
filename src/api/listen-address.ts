// Opens the API's listener: TCP, or a Unix socket whose mode is set before anyone can connect to
// it (bound in a private directory, chmod'ed, then renamed into place), never over a live one.
import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describeOsError } from '../os-error.ts';
import { describeListen, type ApiListen } from './api-options.ts';

export interface Listening {
  /** `http://127.0.0.1:8080` or `unix:/run/supervise/api.sock`, with the port the kernel chose. */
  address: string;
  /** Removes the socket file if it is still the one this listener made. */
  removeSocket(): void;
}

export class ListenError extends Error {}

export async function listenOn(server: http.Server, listen: ApiListen, socketMode: number): Promise<Listening> {
  const where = describeListen(listen);
  try {
    if ('unix' in listen) return await listenOnSocket(server, listen.unix, socketMode);
    await bind(server, { host: listen.host, port: listen.port });
    const { port } = server.address() as net.AddressInfo;
    return { address: `http://${describeListen({ host: listen.host, port })}`, removeSocket: () => {} };
  } catch (error) {
    throw new ListenError(`unable to listen on ${where}: ${error instanceof ListenError ? error.message : describeOsError(error)}`);
  }
}

async function listenOnSocket(server: http.Server, file: string, mode: number): Promise<Listening> {
  await refuseLiveOrForeign(file);
  const privateDir = fs.mkdtempSync(path.join(path.dirname(file), '.supervise-api-'));
  let inode: number;
  try {
    const bound = path.join(privateDir, 'socket');
    await bind(server, { path: bound });
    fs.chmodSync(bound, mode);
    inode = fs.statSync(bound).ino;
    // Replaces a stale socket in one step; a client only ever finds the finished one.
    fs.renameSync(bound, file);
  } catch (error) {
    server.close();
    throw error;
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
  return {
    address: `unix:${file}`,
    removeSocket: () => {
      try {
        if (fs.lstatSync(file).ino === inode) fs.unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}

/** A file that is not a socket is someone's data; a socket that answers is another server's. */
async function refuseLiveOrForeign(file: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stat.isSocket()) throw new ListenError(`${file} exists and is not a socket (not replaced)`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path: file });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new ListenError(`another process is listening on ${file}`);
}

function bind(server: http.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
