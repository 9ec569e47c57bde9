/*
 * upkeep-fifo-holder LOGS_DIR: keeps every log FIFO of a state dir open, and does nothing else.
 *
 * The kernel frees a pipe, and whatever it holds, when the last descriptor on it closes. A
 * service holds its FIFOs (they are its stdout and stderr) and so does the daemon; a service
 * that writes and then exits while no daemon runs would take its last output with it. This
 * process holds them too, so that output waits for the next daemon whatever dies first.
 *
 * It opens every `*.fifo` in LOGS_DIR (O_RDWR | O_NONBLOCK: never blocks, never reads), and
 * looks again on SIGWINCH (ignored by default, so one that arrives before the handler is set
 * cannot kill it; the first scan comes after): it opens new FIFOs and closes those whose path
 * is gone or now names another file (a service removed, or removed and added again). It
 * holds nothing else: inherited descriptors are closed, and it works from /. LOGS_DIR is its
 * descriptor 3, which is how the daemon tells that it holds this logs dir and not a deleted
 * one of the same name. SIGTERM ends it, and so does
 * the removal of LOGS_DIR (looked at once a minute): a state dir deleted after a crash leaves
 * no holder behind. It is a separate program, not a Node process: it must outlive the daemon,
 * and costs about 1 MB.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct held {
  int fd;
  dev_t dev;
  ino_t ino;
  char *name;
};

static struct held *held;
static size_t held_count, held_room;
static volatile sig_atomic_t rescan_requested = 1;

static volatile sig_atomic_t check_requested = 0;

static void on_rescan(int sig) {
  (void)sig;
  rescan_requested = 1;
}

static void on_alarm(int sig) {
  (void)sig;
  check_requested = 1;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Closes what no longer matches its path, then opens every FIFO not held yet. */
static void rescan(int dir_fd) {
  for (size_t i = 0; i < held_count;) {
    struct stat st;
    if (fstatat(dir_fd, held[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == held[i].dev &&
        st.st_ino == held[i].ino) {
      i++;
      continue;
    }
    close(held[i].fd);
    free(held[i].name);
    held[i] = held[--held_count];
  }
  int listing = dup(dir_fd);
  if (listing < 0) return;
  DIR *dir = fdopendir(listing);
  if (!dir) {
    close(listing);
    return;
  }
  rewinddir(dir); /* the dup shares its offset with dir_fd, left at the end by the last scan */
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (!ends_with(entry->d_name, ".fifo")) continue;
    struct stat st;
    if (fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISFIFO(st.st_mode)) continue;
    int known = 0;
    for (size_t i = 0; i < held_count && !known; i++) known = held[i].dev == st.st_dev && held[i].ino == st.st_ino;
    if (known) continue;
    /* A failure (EMFILE, EACCES, ELOOP) leaves this FIFO to the next scan. O_NOFOLLOW: the
       entry checked above may have been swapped for a symlink since; it is never followed. */
    int fd = openat(dir_fd, entry->d_name, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (held_count == held_room) {
      size_t room = held_room ? held_room * 2 : 64;
      struct held *grown = realloc(held, room * sizeof *held);
      if (!grown) {
        close(fd);
        break;
      }
      held = grown;
      held_room = room;
    }
    char *name = strdup(entry->d_name);
    if (!name) {
      close(fd);
      break;
    }
    held[held_count++] = (struct held){fd, st.st_dev, st.st_ino, name};
  }
  closedir(dir);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: upkeep-fifo-holder LOGS_DIR\n");
    return 2;
  }
  /* Nothing the daemon had open stays open here: this process outlives it. */
  syscall(SYS_close_range, 3U, ~0U, 0U);
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max; /* two FIFOs per service */
    setrlimit(RLIMIT_NOFILE, &files);
  }
  int dir_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* descriptor 3 */
  if (dir_fd < 0) {
    fprintf(stderr, "upkeep-fifo-holder: cannot open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  if (chdir("/") != 0) return 1;
  struct sigaction rescan_action;
  memset(&rescan_action, 0, sizeof rescan_action);
  rescan_action.sa_handler = on_rescan;
  sigaction(SIGWINCH, &rescan_action, NULL);
  signal(SIGHUP, SIG_IGN);
  struct sigaction alarm_action;
  memset(&alarm_action, 0, sizeof alarm_action);
  alarm_action.sa_handler = on_alarm;
  sigaction(SIGALRM, &alarm_action, NULL);
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  /* SIGWINCH and SIGALRM are blocked except inside sigsuspend, so a request between the check
   * and the wait is not missed. */
  sigset_t blocked, waiting;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGWINCH);
  sigaddset(&blocked, SIGALRM);
  sigprocmask(SIG_BLOCK, &blocked, &waiting);
  sigdelset(&waiting, SIGWINCH);
  sigdelset(&waiting, SIGALRM);
  alarm(60);
  for (;;) {
    if (check_requested) {
      check_requested = 0;
      struct stat st;
      if (fstat(dir_fd, &st) != 0 || st.st_nlink == 0) return 0; /* LOGS_DIR was removed */
      alarm(60);
    }
    if (rescan_requested) {
      rescan_requested = 0;
      rescan(dir_fd);
    }
    sigsuspend(&waiting);
  }
}
