// The control letters (SPEC §5), shared by supervise (which obeys them) and svc (which sends them).

export const CONTROL_COMMANDS = {
  u: 'up',
  d: 'down',
  o: 'once',
  a: 'alarm',
  h: 'hangup',
  k: 'kill',
  t: 'terminate',
  i: 'interrupt',
  p: 'pause',
  c: 'continue',
  x: 'exit',
  s: 'silence',
  n: 'unsilence',
  r: 'reload',
  g: 'graceful',
} as const;

export type ControlLetter = keyof typeof CONTROL_COMMANDS;
export type ControlCommand = (typeof CONTROL_COMMANDS)[ControlLetter];

export function controlCommandOf(byte: number): ControlCommand | undefined {
  const letter = String.fromCharCode(byte);
  return Object.hasOwn(CONTROL_COMMANDS, letter) ? CONTROL_COMMANDS[letter as ControlLetter] : undefined;
}

/** Bytes a writer may add around commands (`echo d > control` adds a newline): ignored silently. */
export function isFillerByte(byte: number): boolean {
  return byte === 0x0a || byte === 0x0d || byte === 0x20 || byte === 0x09 || byte === 0x00;
}

/** Signals the single-signal letters send to the service pid, as in meetbill. */
export const SIGNAL_OF_COMMAND = {
  alarm: 'SIGALRM',
  hangup: 'SIGHUP',
  kill: 'SIGKILL',
  terminate: 'SIGTERM',
  interrupt: 'SIGINT',
} as const satisfies Partial<Record<ControlCommand, NodeJS.Signals>>;
