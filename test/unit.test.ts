// Every unit test in one process: they are pure and quick, and a Node start with the TypeScript
// loader for each of their files cost more CPU than the tests themselves (39 files: 26 s of CPU
// as separate processes, 6 s as one). One file alone still runs as usual:
// node --import tsx --test test/unit/backoff.test.ts
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(import.meta.dirname, 'unit');
for (const name of fs.readdirSync(dir).filter((file) => file.endsWith('.test.ts')).sort()) await import(path.join(dir, name));
