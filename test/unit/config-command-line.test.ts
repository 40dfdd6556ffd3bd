// The `command` key's value is a command line: its `;` and `#` inside words or quotes are the
// command's, not the start of a comment as ini reads every other value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCommandLine } from '../../src/config/config-file.ts';

describe('a command line in the config file', () => {
  const CASES: Array<[string, string, string]> = [
    ['keeps a ; inside double quotes', ' sh -c "ulimit -c unlimited; kill -SEGV $$"', 'sh -c "ulimit -c unlimited; kill -SEGV $$"'],
    ['keeps a ; inside single quotes, and drops a comment after a blank', " sh -c 'a ; b' ; tail", "sh -c 'a ; b'"],
    ['drops a # comment after a blank', ' sleep 1000 # the web', 'sleep 1000'],
    ['keeps a # or ; inside a word', ' echo a#b c;d', 'echo a#b c;d'],
    ['unwraps a value quoted as a whole, as ini did', ` "sh -c 'x; y'"`, "sh -c 'x; y'"],
    ['keeps an escaped double quote inside double quotes', ' a "b\\" ; c" ; d', 'a "b\\" ; c"'],
  ];
  for (const [name, raw, expected] of CASES) test(name, () => assert.equal(decodeCommandLine(raw), expected));
});
