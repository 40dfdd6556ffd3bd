// The usage text, printed by -h (stdout); a usage error names the wrong thing and points here.
export const SVC_USAGE = `Usage: svc STATUS_DIR COMMAND [--timeout SECONDS]
   or: svc STATUS_DIR alarm on|off [--timeout SECONDS]
   or: svc STATUS_DIR wait [-t SECONDS]
   or: svc STATUS_DIR log [-f] [--stderr | --all] [-n N]
   or: svc STATUS_DIR... COMMAND [ARG] [--timeout SECONDS]
   or: svc log STATUS_DIR... [-f] [--stderr] [-n N]
   or: svc status STATUS_DIR... [--json]
   or: svc metrics STATUS_DIR... [--output FILE]
   or: svc --host ROOT status [NAME...] [--json]
   or: svc --host ROOT start|stop|restart [NAME...] [--timeout SECONDS]
   or: svc --host ROOT reload [--timeout SECONDS]
   or: svc -h | -v

Drives the supervise running on STATUS_DIR (e.g. /home/work/redis/status/redis).

  start      want the service up; wait until it runs (until it is ready, with a readiness source)
  stop       want it down; wait until supervise has stopped it (TERM, then SIGKILL after kill_timeout)
  restart    a new process for a running service: not counted towards max_tries, no alarm
  status     pid, start time, alarm, state, uptime, restarts, last exit
  reconf     make supervise reload its config file; show what it loaded
  exit       stop the service and its supervise
  alarm      turn alarms on or off
  log        print the service's __stdout (--stderr: __stderr; --all: both, each under its name);
             -f follows it, -n N prints the last N lines
  wait       wait until the service is ready (exit 0), or 1 when it is not in time or cannot be
  reload     a graceful reload (control g), as the reload key says: a signal, or a second copy that
             takes over once ready (overlap); refused without a reload key; waits for the outcome
             (9 when it failed, or when the service did not survive its reload signal)

  svc DIR... COMMAND runs COMMAND in every DIR at once: one result line each, after the
             directory's name; the exit status is the worst of theirs.
  svc status DIR... shows many directories as one table (--json: their status.json documents).
  svc log DIR... merges the __stdout and __stderr of every DIR (--stderr: __stderr only), each
             line after \`NAME stdout | \` or \`NAME stderr | \`; -f follows them all.
  svc metrics DIR... prints them in the Prometheus text format; --output FILE replaces FILE
             atomically instead (for node_exporter's textfile collector, see docs/fleet.md).
  --host ROOT  the host running every service of a file in ROOT/NAME (supervise --host):
             status: the host, then the table of its services (or the named ones);
             start, stop, restart: in dependency order, then each service's state;
             reload: read the file again. Each waits until the host says it is done.
  --timeout  (-t) how long to wait for the change to show in STATUS_DIR/status (default 30 s)

Exit status: 0 done; 1 bad arguments; 2 not a directory; 3 cannot enter it; 4 supervise not
running (or no permission); 5 status missing; 6 control missing, or start when already started;
7 nothing to do (stop when stopped, restart when stopped, alarm already so); 8 timed out
waiting; 9 the change failed (see docs/svc.md).
`;
