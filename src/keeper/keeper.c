/*
 * supervise-keeper: the small C part of supervise. Every decision stays in the TypeScript core;
 * this program only does what Node cannot do, or cannot do cheaply:
 *
 *   supervise-keeper run REPORT_FIFO PROGRAM [ARG...]
 *     The keeper of one start of a service under `supervise --host`. It leads a session of its
 *     own, forks and execs the service (which stays in that session: meetbill's svc script finds
 *     a service's processes with `pgrep -s` of the service's parent), waits for it and reports on
 *     REPORT_FIFO, one line per fact, each written at once (shorter than PIPE_BUF, so lines of
 *     several keepers never mix):
 *       started KEEPER_PID SERVICE_PID
 *       failed KEEPER_PID ERRNO            (the exec failed; the service never ran)
 *       exited KEEPER_PID SERVICE_PID WAIT_STATUS
 *     WAIT_STATUS is waitpid(2)'s status as it is (exit code, signal, core dump bit), which Node
 *     cannot see. The FIFO is opened read-write, so the keeper is itself a reader: a line written
 *     while no host reads (the host was killed) stays in the FIFO for the next host, and the keeper
 *     never gets SIGPIPE. The keeper survives its host; the host finds it again by its
 *     environment (SUPERVISE_KEEPER=1 beside the service's tag), which the service does not get.
 *
 *   supervise-keeper prepare ITEM...
 *     What Node has no call for, for many services in one process start: `lock:FD` takes
 *     flock(FD, LOCK_EX | LOCK_NB) on an inherited descriptor (the lock belongs to the open file,
 *     which the caller keeps), `fifo:PATH` makes a FIFO with mode 0600. One line per item on
 *     stdout: `ok`, `busy` (the lock is held elsewhere) or `error ERRNO`.
 *
 *   supervise-keeper init PROGRAM [ARG...]
 *     What a container's PID 1 must do and Node cannot (libuv waits only for the children it
 *     spawned, and Node has no prctl): bin/supervise runs the host (and a per-service supervise
 *     that is PID 1) under it. Unless it is PID 1 already, it becomes a child subreaper, so that
 *     every orphan below it is its child. It forks and execs PROGRAM, reaps every child that
 *     ends (waitpid(-1) on each SIGCHLD), forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and
 *     SIGUSR2 to PROGRAM, and exits as PROGRAM did: its exit code, or 128+N for signal N.
 *
 * Exit status: 0 when done, 100 for a usage error, 111 when the keeper cannot work at all
 * (init: PROGRAM's status, 127 when it cannot be run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Set by the host in the keeper's environment only: how a scan of /proc tells a keeper from the
 * service it keeps (both carry the service's tag). */
static const char KEEPER_MARK[] = "SUPERVISE_KEEPER=";

/* Signals the keeper ignores: it must outlive its service to report the exit, whatever is sent to
 * its session or process group (meetbill's svc sends KILL to the others only). */
static const int IGNORED[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU};

static void fail(const char *what) {
  /* The keeper's stderr is the service's __stderr: where a person looking at the service looks. */
  dprintf(2, "supervise-keeper: fatal: unable to %s: %s\n", what, strerror(errno));
  _exit(111);
}

static void usage(void) {
  dprintf(2, "usage: supervise-keeper run REPORT_FIFO PROGRAM [ARG...]\n"
             "       supervise-keeper prepare lock:FD|fifo:PATH...\n"
             "       supervise-keeper init PROGRAM [ARG...]\n");
  _exit(100);
}

/* One line, one write(2): a FIFO keeps writes under PIPE_BUF whole. */
static void report(int fd, const char *line) {
  size_t length = strlen(line);
  while (write(fd, line, length) < 0 && errno == EINTR) {
  }
}

/* Every descriptor but `keep` closed: the keeper holds nothing of the service's (output files,
 * the notify FIFO) once the service has its own copies. */
static void close_all_but(int keep) {
  for (int fd = 0; fd < keep; fd++) close(fd);
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = keep + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close((int)fd);
}

/* The service's environment: the keeper's, without the keeper's own mark. */
static void drop_keeper_mark(void) {
  char **to = environ;
  for (char **from = environ; *from != NULL; from++) {
    if (strncmp(*from, KEEPER_MARK, sizeof KEEPER_MARK - 1) != 0) *to++ = *from;
  }
  *to = NULL;
}

static void exec_service(char **argv, int error_pipe) {
  /* Ignored signals stay ignored across exec: the service gets the defaults back. */
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &defaults, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  drop_keeper_mark();
  execvp(argv[0], argv);
  int code = errno;
  while (write(error_pipe, &code, sizeof code) < 0 && errno == EINTR) {
  }
  _exit(127);
}

static int run(const char *report_path, char **argv) {
  int fd = open(report_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) fail("open the report FIFO");
  struct stat st;
  if (fstat(fd, &st) != 0) fail("stat the report FIFO");
  if (!S_ISFIFO(st.st_mode)) {
    errno = EINVAL;
    fail("use the report FIFO (not a FIFO)");
  }
  /* Node starts the keeper with setsid already (detached); alone, it makes its own session. */
  if (getsid(0) != getpid() && setsid() < 0) fail("lead a session");
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  for (size_t i = 0; i < sizeof IGNORED / sizeof IGNORED[0]; i++) sigaction(IGNORED[i], &ignore, NULL);

  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) fail("make a pipe");
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    close(error_pipe[0]);
    close(fd);
    exec_service(argv, error_pipe[1]);
  }
  close(error_pipe[1]);
  /* End-of-file on the pipe: the exec succeeded (the pipe is close-on-exec); else its errno. */
  int code = 0;
  ssize_t got;
  do got = read(error_pipe[0], &code, sizeof code);
  while (got < 0 && errno == EINTR);
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (moved >= 0) {
    close(fd);
    fd = moved;
  }
  close_all_but(fd);

  char line[96];
  pid_t self = getpid();
  if (got == (ssize_t)sizeof code) {
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
    snprintf(line, sizeof line, "failed %d %d\n", (int)self, code);
    report(fd, line);
    return 0;
  }
  close(error_pipe[0]);
  snprintf(line, sizeof line, "started %d %d\n", (int)self, (int)child);
  report(fd, line);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail("wait for the service");
  }
  snprintf(line, sizeof line, "exited %d %d %d\n", (int)self, (int)child, status);
  report(fd, line);
  return 0;
}

static int prepare(int count, char **items) {
  for (int i = 0; i < count; i++) {
    const char *item = items[i];
    int result;
    if (strncmp(item, "lock:", 5) == 0) {
      char *end;
      long fd = strtol(item + 5, &end, 10);
      if (*end != '\0' || fd < 0) usage();
      result = flock((int)fd, LOCK_EX | LOCK_NB);
      if (result != 0 && errno == EWOULDBLOCK) {
        printf("busy\n");
        continue;
      }
    } else if (strncmp(item, "fifo:", 5) == 0) {
      /* The mode exactly, whatever the caller's umask. */
      result = mkfifo(item + 5, 0600);
      if (result == 0) result = chmod(item + 5, 0600);
    } else {
      usage();
    }
    if (result == 0) printf("ok\n");
    else printf("error %d\n", errno);
  }
  return fflush(stdout) == 0 ? 0 : 111;
}

/* The signals init passes on to its program; SIGCHLD is init's own. */
static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* A wait status as a shell reports it: the exit code, or 128+N for signal N. */
static int shell_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 111;
}

static int init(char **argv) {
  /* Where supervise is not PID 1 (PID 1 a shell, a runtime's own init that does not reap, or
   * no container at all), orphans below it come to it rather than to a PID 1 that may never
   * wait for them. */
  if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) fail("become a child subreaper");
  /* Blocked, and taken with sigwaitinfo: no handler runs between fork and exec, and a PID 1
   * gets them at all (the kernel drops a signal to PID 1 whose action is the default). */
  sigset_t waited;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  for (size_t i = 0; i < sizeof FORWARDED / sizeof FORWARDED[0]; i++) sigaddset(&waited, FORWARDED[i]);
  sigset_t before;
  if (sigprocmask(SIG_BLOCK, &waited, &before) != 0) fail("block signals");

  pid_t self = getpid();
  pid_t program = fork();
  if (program < 0) fail("fork");
  if (program == 0) {
    sigprocmask(SIG_SETMASK, &before, NULL);
    /* Init is the process systemd and container runtimes know (MainPID, PID 1): should it be
     * killed (SIGKILL, which it cannot forward), its program dies too, so that the next host
     * started for the same ROOT adopts the services instead of meeting a host nobody tracks. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != self) _exit(111);
    execvp(argv[0], argv);
    dprintf(2, "supervise-keeper: fatal: unable to run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  /* Init keeps nothing of the program's but stdio: the launcher's report pipe (fd 3) must reach
   * end-of-file when the program closes it. */
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0) != 0)
#endif
  {
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close((int)fd);
  }

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      fail("wait for signals");
    }
    if (sig != SIGCHLD) {
      /* Gone already: its exit is about to be reaped below. */
      kill(program, sig);
      continue;
    }
    /* One SIGCHLD may stand for many ends: reap until none is left. */
    for (;;) {
      int status;
      pid_t ended = waitpid(-1, &status, WNOHANG);
      if (ended <= 0) break;
      if (ended == program) return shell_status(status);
    }
  }
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "run") == 0) return run(argv[2], argv + 3);
  if (argc >= 3 && strcmp(argv[1], "init") == 0) return init(argv + 2);
  if (argc >= 2 && strcmp(argv[1], "prepare") == 0) return prepare(argc - 2, argv + 2);
  usage();
}
