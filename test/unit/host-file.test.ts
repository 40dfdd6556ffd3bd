// Reading a host file (SPEC §20): every service it and its includes define, each resolved as a
// per-service supervise of that name resolves it, the sections refused alone, and the warnings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConfigFile } from '../../src/config/config-file.ts';
import { DEFAULT_CONFIG } from '../../src/config/config-types.ts';
import { MAX_HOST_FILE_BYTES, MAX_INCLUDED_FILES, readHostFile, type HostFile } from '../../src/host/host-file.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let root: string;
before(() => {
  root = makeTempDir('supervise-host-file-');
});
after(() => removeTempDir(root));

let counter = 0;
/** A fresh directory under root with these files (path → text); returns its path. */
function layout(files: Record<string, string>): string {
  const dir = path.join(root, `case-${++counter}`);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function read(file: string): HostFile {
  const result = readHostFile(file);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

function names(host: HostFile): string[] {
  return host.services.map((service) => service.name);
}

function texts(warnings: readonly { text: string }[]): string[] {
  return warnings.map((warning) => warning.text);
}

/** The reasons of the refused sections, by name. */
function refusals(host: HostFile): Record<string, string> {
  return Object.fromEntries(host.refused.map((section) => [section.name, section.reason]));
}

const SPEC_EXAMPLE = [
  '[global]',
  'kill_timeout : 10',
  '[web]',
  'command : python3 -m http.server 8080',
  'user : app',
  'ready_check : http://127.0.0.1:8080/',
  '[worker]',
  'command : /srv/app/worker --queue main',
  'restart_delay_max : 30s',
  '',
].join('\n');

describe('readHostFile: one file', () => {
  it('finds every section with a command, in file order, with its command split like -f', () => {
    const dir = layout({ 'host.conf': SPEC_EXAMPLE });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(names(host), ['web', 'worker']);
    assert.deepEqual(host.services[0]?.argv, ['python3', '-m', 'http.server', '8080']);
    assert.deepEqual(host.services[1]?.argv, ['/srv/app/worker', '--queue', 'main']);
    assert.equal(host.services[0]?.config.user, 'app');
    assert.equal(host.services[1]?.config.restartDelayMaxMs, 30_000);
    assert.equal(host.services[1]?.config.killTimeoutMs, 10_000);
    assert.deepEqual([host.services[0]?.fileName, host.services[0]?.line], [path.join(dir, 'host.conf'), 3]);
    assert.deepEqual(host.refused, []);
    assert.deepEqual(texts(host.warnings), []);
    assert.deepEqual(host.host, { apiListen: null, apiTokenFile: null, includes: [] });
  });

  it("resolves each service exactly as a per-service supervise of that name resolves the same file", () => {
    const dir = layout({
      'host.conf': [
        '[loner]',
        'command : /bin/loner',
        'alarm_mail : loner@x',
        '[global]',
        'alarm_interval : 60',
        'alarm_mail : ops@x',
        'max_tries : 5',
        'health_check : tcp://127.0.0.1:9',
        '[web]',
        'command : /bin/web',
        'alarm_mail : web@x',
        'max_tries : 0',
        'alarm_interval :',
        'kill_tiemout : 3',
        '[web.v2]',
        'command : /bin/web2 "a b"',
        'health_check : no',
        '[8080]',
        'command : /bin/port',
        'restart : on-failure',
        '',
      ].join('\n'),
    });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['loner', 'web', 'web.v2', '8080']);
    for (const service of host.services) {
      const alone = readConfigFile(file, service.name);
      if (!alone.ok) throw new Error(alone.reason);
      assert.deepEqual(service.config, alone.config, service.name);
      assert.deepEqual(texts(service.warnings), texts(alone.warnings), service.name);
    }
    assert.deepEqual(host.services[0]?.config.alarmMail, ['loner@x']);
    assert.equal(host.services[0]?.config.alarmIntervalMs, 0);
    assert.deepEqual(host.services[1]?.config.alarmMail, ['ops@x', 'web@x']);
    assert.deepEqual(texts(host.services[1]?.warnings ?? []), [`${file}:14: unknown key "kill_tiemout" (ignored)`]);
    assert.deepEqual(host.services[2]?.argv, ['/bin/web2', 'a b']);
  });

  it('does not resolve anything from a section without a command, and says so once', () => {
    const dir = layout({ 'host.conf': '[global]\n[web]\ncommand : /bin/web\n[notes]\nkill_timeout : 3\n[notes]\n' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['web']);
    assert.deepEqual(texts(host.warnings), [
      `${file}:4: [notes] has no command key: not a service of this host (its keys only count for a per-service supervise of that name)`,
    ]);
  });

  it('ignores a command in [global], with a warning, so that no service runs another one', () => {
    const dir = layout({ 'host.conf': '[global]\ncommand : /bin/everything\n[web]\ncommand : /bin/web\n[api]\ncommand :\n' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['web']);
    assert.deepEqual(host.services[0]?.argv, ['/bin/web']);
    assert.equal(host.services[0]?.config.command, '/bin/web');
    assert.ok(texts(host.warnings).includes(`${file}:2: command in [global] is ignored: each service's own section gives its command`));
    assert.match(refusals(host)['api'] ?? '', /host\.conf:6: \[api\] refused: command: expected the service's command line, found nothing/);
  });

  it('reports what [global] gets wrong once for the host, besides each service', () => {
    const dir = layout({ 'host.conf': '[global]\nkill_timeout : soon\nbogus line\n[web]\ncommand : /bin/web\n' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    const hostWarnings = texts(host.warnings);
    assert.ok(hostWarnings.some((text) => text.startsWith(`${file}:2: kill_timeout: expected`)), hostWarnings.join('\n'));
    assert.ok(hostWarnings.some((text) => text.startsWith(`${file}:3: cannot parse "bogus line"`)), hostWarnings.join('\n'));
    assert.ok(texts(host.services[0]?.warnings ?? []).some((text) => text.startsWith(`${file}:2: kill_timeout: expected`)));
  });

  it('reads the host keys from [global]: api_listen as written, api_token_file relative to the file', () => {
    const dir = layout({ 'host.conf': '[global]\napi_listen : 127.0.0.1:8080\napi_token_file : secrets/api.token\n' });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(host.host, { apiListen: '127.0.0.1:8080', apiTokenFile: path.join(dir, 'secrets/api.token'), includes: [] });
    assert.deepEqual(host.services, []);
  });
});

describe('readHostFile: sections refused alone', () => {
  it('refuses a section whose name cannot be a directory name under ROOT, and keeps the rest', () => {
    const bad = ['a/b', '-web', '.hidden', 'web:1', 'x'.repeat(256)];
    const text = ['[global]', ...bad.flatMap((name) => [`[${name}]`, 'command : /bin/true']), '[ok]', 'command : /bin/true', ''].join('\n');
    const dir = layout({ 'host.conf': text });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['ok']);
    assert.deepEqual(
      host.refused.map((section) => [section.name, section.line]),
      bad.map((name, index) => [name, 2 + 2 * index]),
    );
    for (const section of host.refused) {
      assert.ok(section.reason.startsWith(`${file}:${section.line}: [${section.name}] refused: `), section.reason);
      assert.equal(section.fileName, file);
    }
    assert.match(refusals(host)['a/b'] ?? '', /a service name must start with a letter, digit or _/);
    assert.match(refusals(host)['x'.repeat(256)] ?? '', /at most 255 bytes/);
  });

  it('refuses an empty command, a command with a quote left open, and one that names no program', () => {
    const dir = layout({
      'host.conf': '[empty]\ncommand :\n[open]\ncommand : /bin/echo "hello\n[blank]\ncommand : "" x\n[fine]\ncommand : /bin/true\n',
    });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['fine']);
    const reasons = refusals(host);
    assert.equal(reasons['empty'], `${file}:2: [empty] refused: command: expected the service's command line, found nothing`);
    assert.match(reasons['open'] ?? '', new RegExp(`^${file}:4: \\[open\\] refused: command: unterminated double quote`));
    assert.match(reasons['blank'] ?? '', new RegExp(`^${file}:6: \\[blank\\] refused: command: the program \\(its first word\\) is empty`));
  });

  it('refuses the later definition of a service in the same file: the first one wins', () => {
    const dir = layout({ 'host.conf': '[web]\ncommand : /bin/first\n[global]\n[web]\ncommand : /bin/second\n' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(host.services.map((service) => service.argv), [['/bin/first']]);
    assert.equal(refusals(host)['web'], `${file}:5: [web] refused: command: [web] is already defined at line 1; the first one counts`);
    assert.deepEqual(texts(host.services[0]?.warnings ?? []), []);
  });

  it('refuses a service whose first section has no command, naming where that section is', () => {
    const dir = layout({ 'host.conf': '[global]\n[web]\nkill_timeout : 3\n[web]\ncommand : /bin/web\n' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), []);
    assert.equal(
      refusals(host)['web'],
      `${file}:5: [web] refused: command: only the first [web] counts, at line 2, and it has no command: put the command there`,
    );
  });

  it('refuses a requires that names no service of the host and no path, and one it cannot read', () => {
    const dir = layout({
      'host.conf': [
        '[db]',
        'command : /bin/db',
        '[web]',
        'command : /bin/web',
        'requires : db cache',
        '[api]',
        'command : /bin/api',
        'requires : db:up',
        '[worker]',
        'command : /bin/worker',
        'requires : db:done /srv/status/queue ../elsewhere/status/x:started',
        '',
      ].join('\n'),
    });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['db', 'worker']);
    assert.equal(
      refusals(host)['web'],
      `${file}:5: [web] refused: requires: "cache" is no service of this host (a section with a command) and no status directory path (a path holds a /)`,
    );
    assert.match(refusals(host)['api'] ?? '', new RegExp(`^${file}:8: \\[api\\] refused: requires: expected NAME\\[:CONDITION\\] .*found "db:up"`));
    assert.deepEqual(host.services[1]?.config.requires, [
      { kind: 'service', name: 'db', condition: 'done' },
      { kind: 'path', path: '/srv/status/queue', condition: 'ready' },
      { kind: 'path', path: path.join(root, 'elsewhere/status/x'), condition: 'started' },
    ]);
  });

  it('refuses a requires from [global] that names no service of the host, for each service that uses it', () => {
    const dir = layout({ 'host.conf': '[solo]\ncommand : /bin/solo\n[global]\nrequires : vault\n[web]\ncommand : /bin/web\n' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['solo']);
    assert.match(refusals(host)['web'] ?? '', new RegExp(`^${file}:4: \\[web\\] refused: requires: "vault" is no service`));
  });

  it('keeps a requirement on a service that is itself refused: the dependent waits, the order knows both', () => {
    const dir = layout({ 'host.conf': '[db]\ncommand : "oops\n[web]\ncommand : /bin/web\nrequires : db\n' });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(names(host), ['web']);
    assert.deepEqual(Object.keys(refusals(host)), ['db']);
  });

  it('refuses keys that cannot work together, naming the keys, and keeps the other services', () => {
    const dir = layout({
      'host.conf': [
        '[watched]',
        'command : /bin/a',
        'watchdog_timeout : 5s',
        '[overlapping]',
        'command : /bin/b',
        'reload : overlap',
        'pid_file : /run/b.pid',
        'start_seconds : 1',
        '[fine]',
        'command : /bin/c',
        '',
      ].join('\n'),
    });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['fine']);
    assert.match(refusals(host)['watched'] ?? '', new RegExp(`^${file}:1: \\[watched\\] refused: watchdog_timeout is 5s but nothing can send a heartbeat`));
    assert.match(refusals(host)['overlapping'] ?? '', new RegExp(`^${file}:4: \\[overlapping\\] refused: reload : overlap cannot work with pid_file`));
  });
});

describe('readHostFile: includes', () => {
  it('reads the files an include pattern matches, in sorted order, after the main file, relative to its directory', () => {
    const dir = layout({
      'host.conf': '[global]\nkill_timeout : 7\ninclude : conf.d/*.conf\n[main]\ncommand : /bin/main\n',
      'conf.d/b.conf': '[bravo]\ncommand : /bin/bravo\nrequires : alpha\n',
      'conf.d/a.conf': '[alpha]\ncommand : /bin/alpha\nkill_timeout : 2\n[alpha2]\ncommand : /bin/alpha2\n',
      'conf.d/c.conf.disabled': '[charlie]\ncommand : /bin/charlie\n',
      'conf.d/.hidden.conf': '[hidden]\ncommand : /bin/hidden\n',
    });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(names(host), ['main', 'alpha', 'alpha2', 'bravo']);
    assert.deepEqual(host.host.includes, [path.join(dir, 'conf.d/a.conf'), path.join(dir, 'conf.d/b.conf')]);
    const alpha = host.services[1];
    assert.deepEqual([alpha?.config.killTimeoutMs, alpha?.fileName, alpha?.line], [2000, path.join(dir, 'conf.d/a.conf'), 1]);
    assert.equal(host.services[2]?.config.killTimeoutMs, 7000, 'an included section is laid over the main [global]');
    assert.deepEqual(texts(host.warnings), []);
  });

  it('reads several patterns in the order given, each file once, and never the main file again', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : *.conf extra/*.conf extra/z.conf\n[main]\ncommand : /bin/main\n',
      'z.conf': '[zulu]\ncommand : /bin/zulu\n',
      'extra/z.conf': '[extra]\ncommand : /bin/extra\n',
    });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(names(host), ['main', 'zulu', 'extra']);
    assert.deepEqual(host.host.includes, [path.join(dir, 'z.conf'), path.join(dir, 'extra/z.conf')]);
    assert.deepEqual(texts(host.warnings), []);
    assert.deepEqual(host.refused, []);
  });

  it('matches ? as exactly one character and * as any run, dots included', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : web-?.conf *.*.conf\n',
      'web-1.conf': '[web1]\ncommand : /bin/web\n',
      'web-10.conf': '[web10]\ncommand : /bin/web\n',
      'web-.conf': '[webnone]\ncommand : /bin/web\n',
      'a.b.conf': '[ab]\ncommand : /bin/ab\n',
      'x.conf': '[x]\ncommand : /bin/x\n',
    });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(names(host), ['web1', 'ab']);
  });

  it('takes an absolute pattern as it is, and a pattern with no wildcard as one file', () => {
    const other = layout({ 'one.conf': '[one]\ncommand : /bin/one\n' });
    const dir = layout({ 'host.conf': `[global]\ninclude : ${other}/one.conf ${other}/missing.conf\n` });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(names(host), ['one']);
    assert.deepEqual(texts(host.warnings), []);
  });

  it('is quiet about a pattern that matches nothing, and warns when its directory does not exist', () => {
    const dir = layout({ 'host.conf': '[global]\ninclude : empty/*.conf\ninclude : empty/*.conf nowhere/*.conf\n', 'empty/README': 'x' });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(texts(host.warnings), [
      `${file}:3: include repeated in [global] (first at line 2): this line wins`,
      `${file}:3: include: nowhere/*.conf matches nothing: directory ${path.join(dir, 'nowhere')} does not exist`,
    ]);
  });

  it('warns about an included file it cannot read and goes on without its sections', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : conf.d/*.conf\n[main]\ncommand : /bin/main\n',
      'conf.d/a.conf': 'binary\0junk\n[evil]\ncommand : /bin/evil\n',
      'conf.d/c.conf': '[charlie]\ncommand : /bin/charlie\n',
    });
    fs.mkdirSync(path.join(dir, 'conf.d/b.conf'));
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['main', 'charlie']);
    assert.deepEqual(texts(host.warnings), [
      `${file}:2: include: unable to read ${path.join(dir, 'conf.d/a.conf')}: not a text file (it contains NUL bytes); its sections are missing`,
      `${file}:2: include: unable to read ${path.join(dir, 'conf.d/b.conf')}: EISDIR (illegal operation on a directory); its sections are missing`,
    ]);
    assert.deepEqual(host.host.includes, [path.join(dir, 'conf.d/c.conf')]);
  });

  it('ignores a [global] in an included file, with a warning, and with it any include there', () => {
    const dir = layout({
      'host.conf': '[global]\nkill_timeout : 7\ninclude : conf.d/*.conf\n',
      'conf.d/a.conf': '[global]\nkill_timeout : 1\ninclude : ../more/*.conf\n[alpha]\ncommand : /bin/alpha\n',
      'more/m.conf': '[more]\ncommand : /bin/more\n',
    });
    const host = read(path.join(dir, 'host.conf'));
    const included = path.join(dir, 'conf.d/a.conf');
    assert.deepEqual(names(host), ['alpha']);
    assert.equal(host.services[0]?.config.killTimeoutMs, 7000);
    assert.deepEqual(texts(host.warnings), [
      `${included}:1: [global] in an included file is ignored (its 2 key(s) too): only the main file's [global] counts`,
    ]);
  });

  it('refuses a service defined again in an included file, and names both places', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : conf.d/*.conf\n[web]\ncommand : /bin/web\n',
      'conf.d/a.conf': '[api]\ncommand : /bin/api\n[web]\ncommand : /bin/other-web\n',
    });
    const file = path.join(dir, 'host.conf');
    const included = path.join(dir, 'conf.d/a.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['web', 'api']);
    assert.deepEqual(host.services[0]?.argv, ['/bin/web']);
    assert.deepEqual(host.refused.map((section) => [section.name, section.fileName, section.line]), [['web', included, 3]]);
    assert.equal(refusals(host)['web'], `${included}:4: [web] refused: command: [web] is already defined at ${file}:3; the first one counts`);
  });

  it('names the included file and its line in warnings and refusals about its sections', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : conf.d/*.conf\nalarm_mail : ops@x\n',
      'conf.d/a.conf': '# web\n[web]\ncommand : /bin/web\nkill_timeout : soon\nbogus\n[web]\nkill_timeout : 4\n[api]\ncommand : "broken\n',
    });
    const file = path.join(dir, 'host.conf');
    const included = path.join(dir, 'conf.d/a.conf');
    const host = read(file);
    assert.deepEqual(texts(host.warnings), [
      `${file}:3: alarm_mail is set but alarm_interval is 0: alarms and restart limits are off`,
      `${included}:5: cannot parse "bogus" (expected [section], key : value, or a # comment): line ignored`,
    ]);
    assert.deepEqual(texts(host.services[0]?.warnings ?? []), [
      `${included}:6: [web] appears again (first at line 2): only the first counts, its 1 key(s) are ignored; merge them into one section`,
      `${included}:4: kill_timeout: expected an integer from 0 to 2147483 (seconds), found "soon"; keeping the default`,
      `${file}:3: alarm_mail is set but alarm_interval is 0: alarms and restart limits are off`,
    ]);
    assert.match(refusals(host)['api'] ?? '', new RegExp(`^${included}:9: \\[api\\] refused: command: unterminated double quote`));
  });

  it('resolves a relative requires path against the directory of the file its line is in', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : conf.d/*.conf\nrequires : status/vault\n',
      'conf.d/a.conf': '[web]\ncommand : /bin/web\n[api]\ncommand : /bin/api\nrequires : ../status/db\n',
    });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(host.services.map((service) => service.config.requires), [
      [{ kind: 'path', path: path.join(dir, 'status/vault'), condition: 'ready' }],
      [{ kind: 'path', path: path.join(dir, 'status/db'), condition: 'ready' }],
    ]);
  });

  it(`reads at most ${MAX_INCLUDED_FILES} included files, and says how many were left`, () => {
    const files: Record<string, string> = { 'host.conf': '[global]\ninclude : d/*.conf\n' };
    for (let index = 0; index < MAX_INCLUDED_FILES + 2; index++) {
      files[`d/${String(index).padStart(4, '0')}.conf`] = `[s${index}]\ncommand : /bin/true\n`;
    }
    const dir = layout(files);
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.equal(host.services.length, MAX_INCLUDED_FILES);
    assert.equal(host.services.at(-1)?.name, `s${MAX_INCLUDED_FILES - 1}`);
    assert.deepEqual(texts(host.warnings), [
      `${file}:2: include: more than ${MAX_INCLUDED_FILES} files: the first ${MAX_INCLUDED_FILES} are read, 2 left unread`,
    ]);
  });

  it('refuses an included file larger than a host file may be, and reads the others', () => {
    const dir = layout({
      'host.conf': '[global]\ninclude : d/*.conf\n',
      'd/big.conf': `[big]\ncommand : /bin/big\n${'# padding line\n'.repeat(Math.ceil(MAX_HOST_FILE_BYTES / 15) + 1)}`,
      'd/small.conf': '[small]\ncommand : /bin/small\n',
    });
    const file = path.join(dir, 'host.conf');
    const host = read(file);
    assert.deepEqual(names(host), ['small']);
    assert.equal(host.warnings.length, 1);
    assert.match(host.warnings[0]?.text ?? '', new RegExp(`^${file}:2: include: unable to read .*big\\.conf: larger than ${MAX_HOST_FILE_BYTES} bytes`));
  });
});

describe('readHostFile: a file that cannot be read at all', () => {
  it('is one error naming the file and the cause, for a missing file, a directory, a binary and a huge file', () => {
    const dir = layout({
      'binary.conf': '[web]\0\ncommand : /bin/web\n',
      'huge.conf': '#'.repeat(MAX_HOST_FILE_BYTES + 1),
    });
    const table: [string, RegExp][] = [
      [path.join(dir, 'missing.conf'), /^unable to read .*missing\.conf: ENOENT \(no such file or directory\)$/],
      [dir, /^unable to read .*: EISDIR \(illegal operation on a directory\)$/],
      [path.join(dir, 'binary.conf'), /^unable to read .*binary\.conf: not a text file \(it contains NUL bytes\)$/],
      [path.join(dir, 'huge.conf'), new RegExp(`^unable to read .*huge\\.conf: larger than ${MAX_HOST_FILE_BYTES} bytes`)],
    ];
    for (const [file, reason] of table) {
      const result = readHostFile(file);
      assert.equal(result.ok, false, file);
      if (!result.ok) assert.match(result.reason, reason);
    }
  });

  it('reads an empty file as a host with no services', () => {
    const dir = layout({ 'host.conf': '' });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(host.services, []);
    assert.deepEqual(host.host, { apiListen: null, apiTokenFile: null, includes: [] });
  });

  it("gives a service with no [global] anywhere the defaults besides its own keys", () => {
    const dir = layout({ 'host.conf': '[web]\ncommand : /bin/web\n' });
    const host = read(path.join(dir, 'host.conf'));
    assert.deepEqual(host.services[0]?.config, { ...DEFAULT_CONFIG, command: '/bin/web' });
  });
});
