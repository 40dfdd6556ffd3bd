// Debian's headless Chromium, unpacked by scripts/fetch-test-parts.sh (never installed, no
// browser download), driven with playwright-core. Its process is tracked by pid and killed at the
// end of the test file, even when the test fails.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { TestContext } from 'node:test';
import { track } from './processes.ts';

const CACHE = process.env.SUPERVISE_TEST_PARTS ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'supervise-test', 'debian');
const TREE = path.join(CACHE, 'chromium-headless-shell');
const EXECUTABLE = path.join(TREE, 'usr/lib/chromium/chromium-headless-shell');

/** The flags the brief asks for: no sandbox (root), no GPU, nothing fetched from the network. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** For `describe(name, { skip })`: skipped where the part is missing, except under CI=true (then the test fails). */
export function skipUnlessChromium(): string | false {
  if (fs.existsSync(EXECUTABLE) || process.env.CI === 'true') return false;
  return `chromium-headless-shell not found in ${CACHE}: run scripts/fetch-test-parts.sh`;
}

/** The libraries fetched beside Chromium (those this system lacks) are found through LD_LIBRARY_PATH. */
function libraryPath(): string {
  const lib = path.join(TREE, 'usr/lib');
  const dirs = fs.existsSync(lib) ? fs.readdirSync(lib).filter((name) => name.endsWith('-linux-gnu')).map((name) => path.join(lib, name)) : [];
  const all = dirs.flatMap((dir) => [dir, path.join(dir, 'pulseaudio')]).filter((dir) => fs.existsSync(dir));
  return [...all, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

export async function launchChromium(t: TestContext): Promise<Browser> {
  if (!fs.existsSync(EXECUTABLE)) throw new Error(`${EXECUTABLE} is missing: run scripts/fetch-test-parts.sh (it must be fetched for CI)`);
  const server = await chromium.launchServer({
    executablePath: EXECUTABLE,
    args: FLAGS,
    env: { ...process.env, LD_LIBRARY_PATH: libraryPath() },
    timeout: 60_000,
  });
  track(server.process().pid);
  const browser = await chromium.connect(server.wsEndpoint(), { timeout: 60_000 });
  t.after(async () => {
    await browser.close().catch(() => {});
    await server.close().catch(() => {});
  });
  return browser;
}
