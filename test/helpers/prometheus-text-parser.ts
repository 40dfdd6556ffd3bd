// A strict reader of the Prometheus text exposition format 0.0.4, for tests: an implementation
// apart from the one that writes it, so that a shared mistake cannot pass unnoticed.

export interface ParsedFamily {
  name: string;
  help: string | null;
  type: string | null;
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  families: Map<string, ParsedFamily>;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Throws with the line number on anything the format does not allow. */
export function parseExposition(text: string): ParsedExposition {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const samples: ParsedSample[] = [];
  const series = new Set<string>();
  const closed = new Set<string>(); // families whose samples have ended
  let current: string | null = null;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    const enter = (name: string): ParsedFamily => {
      if (name !== current) {
        if (current !== null) closed.add(current);
        if (closed.has(name)) fail(`family ${name} appears again after other families`);
        current = name;
      }
      let family = families.get(name);
      if (!family) {
        family = { name, help: null, type: null };
        families.set(name, family);
      }
      return family;
    };
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name = '', rest = ''] = match;
      if (!NAME.test(name)) fail('bad metric name');
      const family = enter(name);
      if (samples.some((sample) => sample.name === name)) fail(`${keyword} after samples of ${name}`);
      if (keyword === 'HELP') {
        if (family.help !== null) fail('second HELP');
        if (/\\(?!n)/.test(rest.replace(/\\\\/g, ''))) fail('bad escape in HELP');
        family.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (family.type !== null) fail('second TYPE');
        if (!TYPES.has(rest)) fail('unknown TYPE');
        family.type = rest;
      }
      return;
    }
    if (line.trim() === '') return;
    const sample = parseSample(line, fail);
    enter(sample.name);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(key)) fail('duplicate series');
    series.add(key);
    samples.push(sample);
  });
  return { families, samples };
}

function parseSample(line: string, fail: (why: string) => never): ParsedSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) return fail('no metric name');
  const name = nameMatch[0];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    while (line[at] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1] ?? '')) fail('bad label');
      const labelName = labelMatch?.[1] ?? '';
      at += labelMatch?.[0].length ?? 0;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) fail('unterminated label value');
        if (c === '"') break;
        if (c === '\\') {
          const next = line[at + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else fail('bad escape in label value');
          at += 2;
          continue;
        }
        value += c;
        at += 1;
      }
      at += 1;
      if (labelName in labels) fail(`label ${labelName} twice`);
      labels[labelName] = value;
      if (line[at] === ',') at += 1;
      else if (line[at] !== '}') fail('expected , or }');
    }
    at += 1;
  }
  const rest = line.slice(at);
  const valueMatch = /^ (\S+)( -?\d+)?$/.exec(rest);
  if (!valueMatch) return fail('expected one space and a value');
  const text = valueMatch[1] ?? '';
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : text === 'NaN' ? NaN : Number(text);
  if (!/^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]Inf|NaN)$/.test(text)) fail('value is not a float');
  return { name, labels, value };
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when absent. */
export function valueOf(parsed: ParsedExposition, name: string, labels: Record<string, string>): number | undefined {
  const matches = parsed.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
