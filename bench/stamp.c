/* Bench-side clock: takes CLOCK_REALTIME immediately before acting on a supervisor, so that the
 * instant an action starts and the instant the fixture sees its effect come from the same clock
 * in two C programs, with no Node event loop in between.
 *
 *   stamp fifo PATH LETTERS      open PATH (O_NONBLOCK), stamp, write LETTERS; prints the ns
 *   stamp kill PID SIGNUM        stamp, kill(PID, SIGNUM); prints the ns
 *   stamp exec OUTFILE CMD ARG…  writes the ns to OUTFILE, then execvp(CMD) in this same process
 *   stamp spawn CMD ARG…         stamp, fork, execvp(CMD) in the child, wait; prints the ns
 *                                (the floor under any supervisor's "start the service")
 *   stamp wait CMD ARG…          stamp, fork, execvp(CMD) in the child, wait, stamp again;
 *                                prints "START_NS END_NS STATUS" (STATUS: exit code, or 128+signal)
 *   stamp now                    prints the ns */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

int main(int argc, char **argv) {
  unsigned long long at;
  if (argc >= 2 && !strcmp(argv[1], "now")) {
    printf("%llu\n", now_ns());
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "fifo")) {
    size_t len = strlen(argv[3]);
    int fd = open(argv[2], O_WRONLY | O_NONBLOCK | O_CLOEXEC); /* ENXIO, not a hang, if nobody reads */
    if (fd < 0) return fail("open", argv[2]);
    at = now_ns();
    if (write(fd, argv[3], len) != (ssize_t)len) return fail("write to", argv[2]);
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
  fputs("usage: stamp now | fifo PATH LETTERS | kill PID SIGNUM | exec OUTFILE CMD [ARG...] | spawn CMD [ARG...] | wait CMD [ARG...]\n", stderr);
  return 100;
}
