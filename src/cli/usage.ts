// The usage text, printed by -h (stdout) and after a usage error (stderr).
export const USAGE = `Usage: supervise -p STATUS_DIR -f "COMMAND ARGS..." [-F CONF_PATH] [-r RESTART_SH] [-t SECONDS] [--foreground]
   or: supervise [-F CONF_PATH] [-r RESTART_SH] [-t SECONDS] [--foreground] -u STATUS_DIR COMMAND [ARGS...]
   or: supervise --host -F FILE -p ROOT [--foreground]
   or: supervise -v | -h | --version | --help

Keeps COMMAND running; its status files live in STATUS_DIR (named status/NAME by convention).

  -p DIR        status directory (created, mode 0700, if missing); NAME, the part after
                "status/", selects the [NAME] section of the config file
  -f STR        the command, split into words on blanks; quotes group words; no shell
  -u DIR        like -p, and every later word is the command and its arguments, untouched
  -F PATH       config file (default: supervise.conf in the current directory)
  -r PATH       run "PATH N" after every exit (N counts exits); the config file is not read
  -t N          with -r: reset N's count when N seconds passed since the previous exit
  --host        supervise every service of FILE (a section with a command key each),
                each in ROOT/NAME, in this one process (see docs/host.md)
  --foreground  do not daemonize (systemd Type=simple, containers)
  -v, --version print the version and exit
  -h, --help    print this help and exit

Control: echo LETTER > STATUS_DIR/control (u d o a h k t i p c x s n r g), or use svc.
Exit status: 0 started, 100 bad arguments, 110 status directory unusable, 111 already
supervised or cannot set up (see docs/exit-codes.md).
`;
