/* Bench-side clock: takes CLOCK_REALTIME immediately before acting on a supervisor, so that the
 * instant an action starts and the instant the fixture sees its effect come from the same clock
 * in two C programs, with no Node event loop in between.
 *
 *   stamp fifo PATH LETTERS [PATH…]
 *                                open each PATH (O_NONBLOCK), stamp, write LETTERS to each in
 *                                turn; prints the ns (several paths: `dx` to every supervisor)
 *   stamp run CMD ARG…           stamp, print the ns, then execvp(CMD) in this same process (a
 *                                client command whose own start is part of the act measured)
 *   stamp rename FROM TO         stamp, rename(2) FROM to TO; prints the ns (a service directory
 *                                moved into a scan directory)
 *   stamp kill PID SIGNUM        stamp, kill(PID, SIGNUM); prints the ns
 *   stamp exec OUTFILE CMD ARG…  writes the ns to OUTFILE, then execvp(CMD) in this same process
 *   stamp spawn CMD ARG…         stamp, fork, execvp(CMD) in the child, wait; prints the ns
 *                                (the floor under any supervisor's "start the service")
 *   stamp wait CMD ARG…          stamp, fork, execvp(CMD) in the child, wait, stamp again;
 *                                prints "START_NS END_NS STATUS" (STATUS: exit code, or 128+signal)
 *   stamp watch DIR FILE         inotify on DIR; prints "watching" once the watch is set, then for
 *                                every DIR/FILE renamed into place or closed after writing, one
 *                                line "NS MTIME_NS READY PID": NS taken as the event is read,
 *                                MTIME_NS the file's modification time, READY 1 when the file
 *                                says "ready": true, PID its top-level "pid" (0 for null). Exits
 *                                when its stdin reaches end of file (the bench closed it or died).
 *                                Without an inotify instance to spare (EMFILE: the user's
 *                                max_user_instances taken by other processes) it prints "polling"
 *                                instead and stats the file every 100 us (costs a CPU share)
 *   stamp now                    prints the ns */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
  struct timespec at;
  clock_gettime(CLOCK_REALTIME, &at);
  return (unsigned long long)at.tv_sec * 1000000000ULL + (unsigned long long)at.tv_nsec;
}

static int fail(const char *what, const char *object) {
  fprintf(stderr, "stamp: fatal: unable to %s %s: ", what, object);
  perror(NULL);
  return 111;
}

/* One status.json as it is now: READY and the top-level "pid" (indented by two blanks, so a
 * nested last_exit pid does not match), plus its mtime. */
static void report(const char *path, unsigned long long at) {
  char text[16384];
  struct stat info;
  ssize_t len;
  const char *pid_at;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return; /* replaced again already: the next event reports it */
  len = read(fd, text, sizeof text - 1);
  if (len < 0 || fstat(fd, &info) < 0) {
    close(fd);
    return;
  }
  close(fd);
  text[len] = '\0';
  pid_at = strstr(text, "\n  \"pid\": ");
  printf("%llu %llu %d %ld\n", at,
         (unsigned long long)info.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)info.st_mtim.tv_nsec,
         strstr(text, "\"ready\": true") != NULL, pid_at ? atol(pid_at + 9) : 0L);
  fflush(stdout);
}

/* The fallback of watch(): a new inode or mtime of PATH is a new file renamed into place. */
static int poll_file(const char *path) {
  struct stat last, now;
  struct timespec pause_for = { 0, 100 * 1000 };
  struct pollfd input = { 0, POLLIN, 0 };
  int had = stat(path, &last) == 0;
  puts("polling");
  fflush(stdout);
  for (;;) {
    if (poll(&input, 1, 0) > 0) {
      char scratch[64];
      if (read(0, scratch, sizeof scratch) <= 0) return 0;
    }
    nanosleep(&pause_for, NULL);
    if (stat(path, &now) < 0) continue;
    if (!had || now.st_ino != last.st_ino || now.st_mtim.tv_nsec != last.st_mtim.tv_nsec || now.st_mtim.tv_sec != last.st_mtim.tv_sec) {
      report(path, now_ns());
      last = now;
      had = 1;
    }
  }
}

static int watch(const char *dir, const char *file) {
  char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  char path[4096];
  struct pollfd fds[2];
  int in = inotify_init1(IN_CLOEXEC);
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (in < 0 && (errno == EMFILE || errno == ENOSPC)) return poll_file(path);
  if (in < 0) return fail("watch", dir);
  if (inotify_add_watch(in, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) return fail("watch", dir);
  puts("watching");
  fflush(stdout);
  fds[0].fd = in;
  fds[0].events = POLLIN;
  fds[1].fd = 0;
  fds[1].events = POLLIN;
  for (;;) {
    ssize_t len, at;
    if (poll(fds, 2, -1) < 0) return fail("poll", dir);
    if (fds[1].revents) {
      char scratch[64];
      if (read(0, scratch, sizeof scratch) <= 0) return 0;
    }
    if (!(fds[0].revents & POLLIN)) continue;
    len = read(in, events, sizeof events);
    if (len <= 0) return fail("read events of", dir);
    for (at = 0; at < len;) {
      const struct inotify_event *event = (const struct inotify_event *)(events + at);
      if (event->len && !strcmp(event->name, file)) {
        report(path, now_ns());
        break; /* one report per batch: the file is read as it is now */
      }
      at += (ssize_t)(sizeof *event + event->len);
    }
  }
}

int main(int argc, char **argv) {
  unsigned long long at;
  if (argc >= 2 && !strcmp(argv[1], "now")) {
    printf("%llu\n", now_ns());
    return 0;
  }
  if (argc >= 4 && !strcmp(argv[1], "fifo")) {
    /* argv: fifo PATH LETTERS [PATH...]: every path is opened before the clock is read */
    size_t len = strlen(argv[3]);
    int count = argc - 3, i;
    int *fds = malloc(sizeof *fds * (size_t)count);
    if (!fds) return fail("allocate", "descriptors");
    for (i = 0; i < count; i++) {
      const char *path = i == 0 ? argv[2] : argv[3 + i];
      fds[i] = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC); /* ENXIO, not a hang, if nobody reads */
      if (fds[i] < 0) return fail("open", path);
    }
    at = now_ns();
    for (i = 0; i < count; i++) {
      if (write(fds[i], argv[3], len) != (ssize_t)len) return fail("write to", i == 0 ? argv[2] : argv[3 + i]);
    }
    printf("%llu\n", at);
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "run")) {
    at = now_ns();
    printf("%llu\n", at);
    if (fflush(stdout)) return fail("write", "the stamp");
    execvp(argv[2], argv + 2);
    return fail("exec", argv[2]);
  }
  if (argc == 4 && !strcmp(argv[1], "rename")) {
    at = now_ns();
    if (rename(argv[2], argv[3]) < 0) return fail("rename", argv[2]);
    printf("%llu\n", at);
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "kill")) {
    at = now_ns();
    if (kill((pid_t)atol(argv[2]), atoi(argv[3])) < 0) return fail("signal", argv[2]);
    printf("%llu\n", at);
    return 0;
  }
  if (argc >= 4 && !strcmp(argv[1], "exec")) {
    FILE *out = fopen(argv[2], "w");
    if (!out) return fail("open", argv[2]);
    at = now_ns();
    fprintf(out, "%llu\n", at);
    if (fclose(out)) return fail("write", argv[2]);
    execvp(argv[3], argv + 3);
    return fail("exec", argv[3]);
  }
  if (argc >= 3 && !strcmp(argv[1], "spawn")) {
    pid_t child;
    at = now_ns();
    child = fork();
    if (child < 0) return fail("fork for", argv[2]);
    if (child == 0) {
      execvp(argv[2], argv + 2);
      _exit(127);
    }
    if (waitpid(child, NULL, 0) < 0) return fail("wait for", argv[2]);
    printf("%llu\n", at);
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "wait")) {
    pid_t child;
    int status;
    unsigned long long end;
    at = now_ns();
    child = fork();
    if (child < 0) return fail("fork for", argv[2]);
    if (child == 0) {
      execvp(argv[2], argv + 2);
      _exit(127);
    }
    if (waitpid(child, &status, 0) < 0) return fail("wait for", argv[2]);
    end = now_ns();
    printf("%llu %llu %d\n", at, end, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "watch")) return watch(argv[2], argv[3]);
  fputs("usage: stamp now | fifo PATH LETTERS [PATH...] | run CMD [ARG...] | rename FROM TO | kill PID SIGNUM | exec OUTFILE CMD [ARG...] | spawn CMD [ARG...] | wait CMD [ARG...] | watch DIR FILE\n", stderr);
  return 100;
}
