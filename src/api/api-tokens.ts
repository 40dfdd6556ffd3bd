// The bearer tokens that allow writes (SPEC §23): read from api_token_file, which must be a
// regular file of supervise's user that nobody else can read or write; compared in constant time.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { describeOsError } from '../os-error.ts';

/** Whether writes are allowed, and with which tokens; when not, why (every 403 says it). */
export type TokenState = { allowed: true; digests: readonly Buffer[] } | { allowed: false; reason: string };

/** Shorter than this, a token could be guessed; 32 random bytes in hex are 64 characters. */
const MIN_TOKEN_LENGTH = 16;
/** A token file is a few lines; a large file is not one (and is not read whole). */
const MAX_FILE_BYTES = 4096;

/**
 * One token per non-empty line (more than one lets a token be replaced without a moment where
 * none works); blank lines and lines starting with # are skipped.
 */
export function readTokens(file: string | null, uid: number = process.geteuid?.() ?? 0): TokenState {
  if (file === null) return refused('no api_token_file is configured');
  let fd: number;
  try {
    // O_NOFOLLOW: the file itself must be checked, not what a link points to; O_NONBLOCK: a FIFO
    // put there must not hang the host.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refused(`unable to open api_token_file ${file}: ${code === 'ELOOP' ? 'it is a symbolic link' : describeOsError(error)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return refused(`api_token_file ${file} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      return refused(`api_token_file ${file} has mode ${modeText(stat.mode)}: others than its owner may read or write it (expected 0600 or stricter)`);
    }
    if (stat.uid !== uid) return refused(`api_token_file ${file} is owned by uid ${stat.uid}, not by supervise's user (uid ${uid})`);
    if (stat.size > MAX_FILE_BYTES) return refused(`api_token_file ${file} is ${stat.size} bytes long (at most ${MAX_FILE_BYTES} expected)`);
    const buffer = Buffer.alloc(MAX_FILE_BYTES);
    const length = fs.readSync(fd, buffer, 0, MAX_FILE_BYTES, 0);
    const tokens = buffer
      .subarray(0, length)
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    if (tokens.length === 0) return refused(`api_token_file ${file} holds no token`);
    if (tokens.some((token) => token.length < MIN_TOKEN_LENGTH)) {
      return refused(`api_token_file ${file} holds a token shorter than ${MIN_TOKEN_LENGTH} characters (too easy to guess)`);
    }
    return { allowed: true, digests: tokens.map(digest) };
  } catch (error) {
    return refused(`unable to read api_token_file ${file}: ${describeOsError(error)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `Authorization: Bearer TOKEN`. Digests of equal length are compared with timingSafeEqual, and
 * every known token is compared, so the time taken tells nothing about how much of it matched.
 */
export function authorises(state: TokenState, authorization: string | undefined): boolean {
  if (!state.allowed || authorization === undefined) return false;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match) return false;
  const given = digest(match[1] ?? '');
  let found = false;
  for (const known of state.digests) found = crypto.timingSafeEqual(known, given) || found;
  return found;
}

function digest(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest();
}

function refused(reason: string): TokenState {
  return { allowed: false, reason };
}

function modeText(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
