// Which section names can name a service of a host: each becomes the directory ROOT/NAME, and a
// `requires` names it, so it must be one safe path component that a glance tells from a path.

/** A letter, digit or `_` first (so never `.`, `..` or a hidden file), then letters, digits, `.`, `_`, `-`. */
const HOST_SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** The longest file name Linux allows (NAME_MAX). */
const MAX_NAME_BYTES = 255;

/** Why NAME cannot name a service of a host, or undefined when it can. */
export function hostServiceNameProblem(name: string): string | undefined {
  if (name === 'global') return '[global] holds the settings every service shares';
  if (!HOST_SERVICE_NAME.test(name)) {
    return 'a service name must start with a letter, digit or _ and hold only letters, digits, ., _ and - (it names the directory ROOT/NAME)';
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `a service name is at most ${MAX_NAME_BYTES} bytes (it names a directory)`;
  return undefined;
}
