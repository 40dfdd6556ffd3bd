/* Benchmark service: appends "start <realtime ns> <pid>" to a log when it starts and
 * "term <realtime ns> <pid>" when it receives SIGTERM, then exits at once (mode crash) or waits
 * for signals forever (mode run). Mode notify is run, but once started it also writes "READY=1\n"
 * to the descriptor $NOTIFY_FD names (supervise's notify channel, sd_notify's line) and appends
 * "ready <realtime ns> <pid>", the clock read just before that write; mode notify-late does the
 * same 100 ms after it started (a service that takes a while to get ready). Written in C so that its own start-up (about 1 ms) does not
 * blur the supervisors' figures; every supervisor under test runs this same program.
 *
 * usage: fixture crash|run|notify|notify-late LOGFILE
 *   Run as a peer's ./run it gets no such arguments (s6-supervise passes the service directory
 *   as argv[1]), so then it reads BENCH_FIXTURE_MODE and BENCH_FIXTURE_LOG from the environment.
 *   With BENCH_FIXTURE_NOTIFY_FD=N it also writes a newline to fd N once started: s6's readiness
 *   notification, without which s6-supervise pauses 1 s before every restart. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;

/* Formats "<tag> <sec><nsec:9> <pid>\n" by hand: it runs inside a signal handler too, where
 * snprintf is not async-signal-safe. Returns the length. */
static size_t format_line(char *out, const char *tag, const struct timespec *at, long pid) {
  char digits[48];
  size_t n = 0, len = 0;
  unsigned long long ns = (unsigned long long)at->tv_sec * 1000000000ULL + (unsigned long long)at->tv_nsec;
  while (*tag) out[len++] = *tag++;
  out[len++] = ' ';
  do { digits[n++] = (char)('0' + ns % 10); ns /= 10; } while (ns);
  while (n) out[len++] = digits[--n];
  out[len++] = ' ';
  do { digits[n++] = (char)('0' + pid % 10); pid /= 10; } while (pid);
  while (n) out[len++] = digits[--n];
  out[len++] = '\n';
  return len;
}

/* One write() per line on an O_APPEND descriptor, so lines from successive runs never mix. */
static void stamp(const char *tag, const struct timespec *at) {
  char line[96];
  size_t len = format_line(line, tag, at, (long)getpid());
  if (write(log_fd, line, len) < 0) _exit(111);
}

/* Mode notify: READY=1 on $NOTIFY_FD, stamped just before the write. */
static void say_ready(void) {
  static const char line[] = "READY=1\n";
  struct timespec at;
  const char *fd_text = getenv("NOTIFY_FD");
  if (!fd_text) _exit(100);
  clock_gettime(CLOCK_REALTIME, &at);
  if (write(atoi(fd_text), line, sizeof line - 1) != (ssize_t)(sizeof line - 1)) _exit(111);
  stamp("ready", &at);
}

static void on_term(int sig) {
  struct timespec now;
  (void)sig;
  clock_gettime(CLOCK_REALTIME, &now);
  stamp("term", &now);
  _exit(0);
}

int main(int argc, char **argv) {
  struct timespec started;
  struct sigaction action;
  sigset_t term_only;
  const char *mode, *log_path;

  clock_gettime(CLOCK_REALTIME, &started); /* first thing: this is the instant "the service runs" */
  if (argc == 3 && (!strcmp(argv[1], "crash") || !strcmp(argv[1], "run") || !strcmp(argv[1], "notify") || !strcmp(argv[1], "notify-late"))) {
    mode = argv[1];
    log_path = argv[2];
  } else {
    mode = getenv("BENCH_FIXTURE_MODE");
    log_path = getenv("BENCH_FIXTURE_LOG");
  }
  if (!mode || !log_path || (strcmp(mode, "crash") && strcmp(mode, "run") && strcmp(mode, "notify") && strcmp(mode, "notify-late"))) {
    static const char usage[] = "usage: fixture crash|run|notify|notify-late LOGFILE\n";
    ssize_t ignored = write(2, usage, sizeof usage - 1);
    (void)ignored;
    return 100;
  }
  log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0) return 111;

  /* A supervisor may hand down SIGTERM blocked or ignored; the TERM stamp must not depend on it. */
  memset(&action, 0, sizeof action);
  action.sa_handler = on_term;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, NULL);
  sigemptyset(&term_only);
  sigaddset(&term_only, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &term_only, NULL);

  stamp("start", &started);
  if (getenv("BENCH_FIXTURE_NOTIFY_FD")) {
    int notify_fd = atoi(getenv("BENCH_FIXTURE_NOTIFY_FD"));
    if (write(notify_fd, "\n", 1) == 1) close(notify_fd);
  }
  if (!strcmp(mode, "notify-late")) {
    struct timespec later = { 0, 100 * 1000 * 1000 };
    while (nanosleep(&later, &later) < 0) {} /* EINTR: sleep the rest */
  }
  if (!strncmp(mode, "notify", 6)) say_ready();
  if (!strcmp(mode, "crash")) return 0;
  for (;;) pause();
}
