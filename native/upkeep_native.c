/*
 * upkeep's native spawn: the one thing Node 20 cannot do and no maintained npm package offers
 * (checked: `posix_spawn` on npm runs /bin/sh and has no exit watch); plus renameat2's
 * RENAME_EXCHANGE for PID files (native_exchange, at the end); pipe.c moves captured output;
 * pidfd.c opens pidfds for processes that are not our children; notify.c receives sd_notify
 * datagrams; fifo.c makes log FIFOs; reap.c makes the daemon a subreaper and reaps orphans;
 * dup.c re-points the daemon's stderr when daemon.log rotates.
 *
 *   spawn(file, argv, envp, cwd, fds, uid, gid, cgroupDir, onExec, onExit) -> pid
 *
 * clone3(CLONE_VM | CLONE_PIDFD | CLONE_INTO_CGROUP) and execve in the child:
 *  - no copy of the daemon's page tables (child_process.spawn forks, which costs 2-5 ms here
 *    and grows with the daemon's memory);
 *  - the child is born in its cgroup: no window in which a fork of it could escape, and the
 *    daemon never moves itself between cgroups (a move costs up to 20 ms here);
 *  - the daemon does not wait for the execve (no CLONE_VFORK): a close-on-exec pipe reports
 *    it, or the step that failed, to onExec(error | null) on the loop thread, so a cold start
 *    overlaps the children's execs with the daemon's own work on the other core;
 *  - the exit is seen through the pidfd, polled by libuv: onExit(code, signal).
 *
 * Until execve the child shares the daemon's memory while the daemon keeps running. It
 * therefore touches nothing but its own stack and its job (both freed only once it has exec'd
 * or exited), and makes raw system calls only: no libc call, no errno (the daemon's), no lock.
 * libuv reaps only the children it spawned itself, one PID at a time, so it never takes ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>
#include "common.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define CHILD_STACK_BYTES (64 * 1024)

/* Steps of the child, reported by number when one fails (names for the JS side). */
enum { STEP_SETSID = 1, STEP_DUP, STEP_CHDIR, STEP_SETGROUPS, STEP_SETGID, STEP_SETUID, STEP_EXECVE };
static const char *const STEP_NAMES[] = {"",       "setsid", "dup2",   "chdir",
                                         "setgroups", "setgid", "setuid", "execve"};

/* One spawn: the child's inputs, then the daemon's side (pipe, pidfd, callbacks). */
struct job {
  char *file;
  char **argv;
  char **envp;
  char *cwd;
  int fds[3];
  long uid;
  long gid;
  int report_write; /* the child's end of the exec-report pipe (close-on-exec); never changed */
  void *stack;

  pid_t pid;
  int report_read;
  int pidfd;
  uv_poll_t exec_poll;
  uv_poll_t exit_poll;
  int open_handles;
  napi_env env;
  napi_ref on_exec;
  napi_ref on_exit;
  napi_async_context async;
};

/* ---- the child: raw system calls only ---- */

#if defined(__x86_64__)
static inline long raw4(long n, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
}
#define HAVE_RAW_SYSCALLS 1
#elif defined(__aarch64__)
/* arm64: number in x8, arguments in x0-x3, result in x0; svc preserves every other register. */
static inline long raw4(long n, long a, long b, long c, long d) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
#define HAVE_RAW_SYSCALLS 1
#endif

#ifdef HAVE_RAW_SYSCALLS
#define raw0(n) raw4((n), 0, 0, 0, 0)
#define raw1(n, a) raw4((n), (long)(a), 0, 0, 0)
#define raw2(n, a, b) raw4((n), (long)(a), (long)(b), 0, 0)
#define raw3(n, a, b, c) raw4((n), (long)(a), (long)(b), (long)(c), 0)

/* The kernel's struct sigaction (glibc's has another layout); all zero: SIG_DFL, no mask. */
struct kernel_sigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};
static const struct kernel_sigaction DEFAULT_ACTION = {0, 0, 0, 0};
static const uint64_t EMPTY_MASK = 0;

__attribute__((no_stack_protector)) static int child_fail(struct job *job, int step, long ret) {
  int report[2] = {step, (int)-ret};
  raw3(SYS_write, job->report_write, report, sizeof report);
  raw1(SYS_exit_group, 127);
  return 127;
}

/* Moves fd to target, clearing close-on-exec (dup3 onto itself would fail). */
__attribute__((no_stack_protector)) static long child_place_fd(int fd, int target) {
  if (fd == target) return raw3(SYS_fcntl, fd, F_SETFD, 0);
  return raw3(SYS_dup3, fd, target, 0);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define SYS_CLOSE_RANGE 436
/* Descriptors scanned at most when neither close_range nor /proc is there. */
#define MAX_FD_SCAN (1L << 20)

struct child_dirent {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

/*
 * Marks every descriptor above 2 close-on-exec, so the service gets stdio and nothing else:
 * not a pipe the daemon's caller left open (a CI job waiting for its end of file would wait
 * for as long as the service runs), not a descriptor of the daemon that lacks O_CLOEXEC.
 * Marked rather than closed: the exec-report pipe must stay usable until execve, which then
 * closes them all. close_range(2) (Linux 5.11 for the flag); else each entry of /proc/self/fd;
 * else every number up to RLIMIT_NOFILE (bounded).
 */
__attribute__((no_stack_protector)) static void child_mark_cloexec(void) {
  if (raw3(SYS_CLOSE_RANGE, 3, (long)~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  /* openat, not open: arm64 has no open system call. */
  long dir = raw4(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir >= 0) {
    char buffer[2048] __attribute__((aligned(8)));
    long got;
    while ((got = raw3(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
      for (long at = 0; at < got;) {
        struct child_dirent *entry = (struct child_dirent *)(buffer + at);
        long fd = 0;
        int digits = 0;
        for (const char *c = entry->name; *c >= '0' && *c <= '9'; c++, digits++) fd = fd * 10 + (*c - '0');
        if (digits > 0 && entry->name[digits] == 0 && fd > 2 && fd != dir) raw3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
        at += entry->reclen;
      }
    }
    raw1(SYS_close, dir);
    if (got == 0) return;
  }
  uint64_t limit[2];
  long count = raw4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)limit) == 0 ? (long)limit[0] : 1024;
  if (count > MAX_FD_SCAN || count < 0) count = MAX_FD_SCAN;
  for (long fd = 3; fd < count; fd++) raw3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
}

__attribute__((no_stack_protector)) static int child_main(void *arg) {
  struct job *job = arg;
  long ret;
  /* Handlers of the daemon (libuv's signal pipe) must never run in the service. All signals
   * stay blocked (inherited from the clone) until the handlers are reset. */
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    raw4(SYS_rt_sigaction, sig, (long)&DEFAULT_ACTION, 0, 8);
  }
  if ((ret = raw0(SYS_setsid)) < 0) return child_fail(job, STEP_SETSID, ret);
  /* Raise sources above 2 first, so placing one stream cannot overwrite another's source. */
  int high[3];
  for (int i = 0; i < 3; i++) {
    if ((ret = raw3(SYS_fcntl, job->fds[i], F_DUPFD_CLOEXEC, 3)) < 0) return child_fail(job, STEP_DUP, ret);
    high[i] = (int)ret;
  }
  for (int i = 0; i < 3; i++)
    if ((ret = child_place_fd(high[i], i)) < 0) return child_fail(job, STEP_DUP, ret);
  child_mark_cloexec();
  if (job->cwd && (ret = raw1(SYS_chdir, job->cwd)) < 0) return child_fail(job, STEP_CHDIR, ret);
  if (job->uid >= 0 || job->gid >= 0) {
    ret = raw2(SYS_setgroups, 0, 0);
    if (ret < 0 && ret != -EPERM) return child_fail(job, STEP_SETGROUPS, ret);
  }
  if (job->gid >= 0 && (ret = raw1(SYS_setgid, job->gid)) < 0) return child_fail(job, STEP_SETGID, ret);
  if (job->uid >= 0 && (ret = raw1(SYS_setuid, job->uid)) < 0) return child_fail(job, STEP_SETUID, ret);
  raw4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&EMPTY_MASK, 0, 8);
  ret = raw3(SYS_execve, job->file, job->argv, job->envp);
  return child_fail(job, STEP_EXECVE, ret);
}

/* clone3 with a function to run on the new stack, as glibc's clone3.S does: the child returns
 * from the syscall on its own stack, so it must not return into C. fn and arg travel in
 * registers the syscall preserves in both processes (r8/r9 on x86_64, x11/x12 on arm64).
 * Returns the PID, or -errno. */
long upkeep_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl upkeep_clone3\n"
        ".type upkeep_clone3,@function\n"
        "upkeep_clone3:\n"
        "  mov %rdx, %r8\n"
        "  mov %rcx, %r9\n"
        "  mov $435, %eax\n" /* SYS_clone3 */
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  xor %ebp, %ebp\n"
        "  mov %r9, %rdi\n"
        "  call *%r8\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n" /* SYS_exit_group */
        "  syscall\n"
        "  hlt\n"
        "1: ret\n"
        ".size upkeep_clone3, .-upkeep_clone3\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl upkeep_clone3\n"
        ".type upkeep_clone3,%function\n"
        ".p2align 2\n"
        "upkeep_clone3:\n"
        "  mov x11, x2\n"
        "  mov x12, x3\n"
        "  mov x8, #435\n" /* SYS_clone3 */
        "  svc #0\n"
        "  cbnz x0, 1f\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  mov x0, x12\n"
        "  blr x11\n"
        "  mov x8, #94\n" /* SYS_exit_group; x0 holds fn's result */
        "  svc #0\n"
        "  brk #0\n"
        "1: ret\n"
        ".size upkeep_clone3, .-upkeep_clone3\n");
#endif
#define HAVE_CLONE3_STUB 1
#endif

/* ---- the daemon's side ---- */

static void free_strings(char **list) {
  if (!list) return;
  for (char **item = list; *item; item++) free(*item);
  free(list);
}

static void free_job(struct job *job) {
  napi_env env = job->env;
  if (job->on_exec) napi_delete_reference(env, job->on_exec);
  if (job->on_exit) napi_delete_reference(env, job->on_exit);
  if (job->async) napi_async_destroy(env, job->async);
  if (job->stack) munmap(job->stack, CHILD_STACK_BYTES);
  if (job->report_read >= 0) close(job->report_read);
  if (job->pidfd >= 0) close(job->pidfd);
  free(job->file);
  free_strings(job->argv);
  free_strings(job->envp);
  free(job->cwd);
  free(job);
}

static void handle_closed(uv_handle_t *handle) {
  struct job *job = handle->data;
  if (--job->open_handles == 0) free_job(job);
}

/* The child's memory use is over (it exec'd or exited): its stack and inputs can go. */
static void release_child_inputs(struct job *job) {
  munmap(job->stack, CHILD_STACK_BYTES);
  job->stack = NULL;
  free(job->file);
  free_strings(job->argv);
  free_strings(job->envp);
  free(job->cwd);
  job->file = job->cwd = NULL;
  job->argv = job->envp = NULL;
}

/* Calls a stored callback with argc values; an exception becomes an uncaught exception. */
static void call_back(struct job *job, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = job->env;
  napi_value callback, global, result;
  napi_get_reference_value(env, ref, &callback);
  napi_get_global(env, &global);
  /* make_callback, not call_function: promise continuations queued by it run right after. */
  if (napi_make_callback(env, job->async, global, callback, argc, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static void exit_ready(uv_poll_t *poll, int status, int events) {
  (void)events;
  struct job *job = poll->data;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (status == 0 && syscall(SYS_waitid, P_PIDFD, job->pidfd, &info, WEXITED | WNOHANG, NULL) == 0 &&
      info.si_pid == 0)
    return; /* not exited yet (a spurious wake-up) */
  uv_poll_stop(poll);
  napi_env env = job->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value argv[2];
  if (status != 0 || info.si_pid == 0) {
    napi_get_null(env, &argv[0]); /* cannot happen: the pidfd of our own child */
    napi_get_null(env, &argv[1]);
  } else if (info.si_code == CLD_EXITED) {
    napi_create_int32(env, info.si_status, &argv[0]);
    napi_get_null(env, &argv[1]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_int32(env, info.si_status, &argv[1]);
  }
  call_back(job, job->on_exit, 2, argv);
  napi_close_handle_scope(env, scope);
  uv_close((uv_handle_t *)poll, handle_closed);
}

napi_value make_errno_error(napi_env env, const char *step, int err) {
  napi_value message, error, errno_value, step_value;
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &step_value);
  napi_set_named_property(env, error, "syscall", step_value);
  return error;
}

static void exec_ready(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  struct job *job = poll->data;
  int report[2] = {0, 0};
  ssize_t got;
  do got = read(job->report_read, report, sizeof report);
  while (got < 0 && errno == EINTR);
  if (got < 0 && errno == EAGAIN) return; /* a spurious wake-up */
  uv_poll_stop(poll);
  uv_close((uv_handle_t *)poll, handle_closed);
  napi_env env = job->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value result;
  if (got == (ssize_t)sizeof report) {
    /* The child failed before execve and is exiting: reap it, then report the step. */
    siginfo_t info;
    syscall(SYS_waitid, P_PIDFD, job->pidfd, &info, WEXITED, NULL);
    release_child_inputs(job);
    int step = report[0] >= STEP_SETSID && report[0] <= STEP_EXECVE ? report[0] : STEP_EXECVE;
    result = make_errno_error(env, STEP_NAMES[step], report[1]);
    call_back(job, job->on_exec, 1, &result);
    uv_close((uv_handle_t *)&job->exit_poll, handle_closed);
  } else {
    /* End of file: the pipe closed at execve (or the child died just before it; its exit
     * then follows as usual). */
    release_child_inputs(job);
    napi_get_null(env, &result);
    call_back(job, job->on_exec, 1, &result);
    uv_poll_start(&job->exit_poll, UV_READABLE, exit_ready);
  }
  napi_close_handle_scope(env, scope);
}

/* ---- argument helpers ---- */

static char *get_string(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (!text) return NULL;
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

/* A NULL-terminated copy of a JS string array (freed with free_strings). */
static char **get_strings(napi_env env, napi_value array) {
  uint32_t count;
  if (napi_get_array_length(env, array, &count) != napi_ok) return NULL;
  char **list = calloc(count + 1, sizeof(char *));
  if (!list) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, array, i, &item);
    if (!(list[i] = get_string(env, item))) {
      free_strings(list);
      return NULL;
    }
  }
  return list;
}

int64_t get_int(napi_env env, napi_value value) {
  int64_t number = -1;
  napi_get_value_int64(env, value, &number);
  return number;
}

int get_one_arg(napi_env env, napi_callback_info info, napi_valuetype type, const char *usage, napi_value *arg) {
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, arg, NULL, NULL);
  napi_valuetype actual = napi_undefined;
  if (argc == 1) napi_typeof(env, *arg, &actual);
  if (argc == 1 && actual == type) return 1;
  napi_throw_type_error(env, NULL, usage);
  return 0;
}

napi_value throw_errno(napi_env env, const char *step, int err) {
  napi_throw(env, make_errno_error(env, step, err));
  return NULL;
}

/* ---- spawn ---- */

static napi_value native_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 10) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, fds, uid, gid, cgroupDir, onExec, onExit)");
    return NULL;
  }
#ifndef HAVE_CLONE3_STUB
  return throw_errno(env, "clone3", ENOSYS);
#else
  struct job *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, "malloc", ENOMEM);
  job->env = env;
  job->report_read = job->pidfd = -1;
  napi_valuetype cwd_type, cgroup_type;
  napi_typeof(env, args[3], &cwd_type);
  napi_typeof(env, args[7], &cgroup_type);
  job->file = get_string(env, args[0]);
  job->argv = get_strings(env, args[1]);
  job->envp = get_strings(env, args[2]);
  job->cwd = cwd_type == napi_string ? get_string(env, args[3]) : NULL;
  for (uint32_t i = 0; i < 3; i++) {
    napi_value fd;
    napi_get_element(env, args[4], i, &fd);
    job->fds[i] = (int)get_int(env, fd);
  }
  job->uid = (long)get_int(env, args[5]);
  job->gid = (long)get_int(env, args[6]);
  if (!job->file || !job->argv || !job->envp || (cwd_type == napi_string && !job->cwd)) {
    free_job(job);
    return throw_errno(env, "malloc", ENOMEM);
  }

  int cgroup_fd = -1;
  if (cgroup_type == napi_string) {
    char *cgroup = get_string(env, args[7]);
    cgroup_fd = cgroup ? open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int err = cgroup ? errno : ENOMEM;
    free(cgroup);
    if (cgroup_fd < 0) {
      free_job(job);
      return throw_errno(env, "open cgroup", err);
    }
  }
  int report[2];
  job->stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (job->stack == MAP_FAILED) {
    job->stack = NULL;
    if (cgroup_fd >= 0) close(cgroup_fd);
    free_job(job);
    return throw_errno(env, "mmap", errno);
  }
  if (pipe2(report, O_CLOEXEC | O_NONBLOCK) < 0) {
    int err = errno;
    if (cgroup_fd >= 0) close(cgroup_fd);
    free_job(job);
    return throw_errno(env, "pipe2", err);
  }
  job->report_read = report[0];
  job->report_write = report[1];

  struct clone_args clone;
  memset(&clone, 0, sizeof clone);
  clone.flags = CLONE_VM | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
  clone.pidfd = (uint64_t)(uintptr_t)&job->pidfd;
  clone.exit_signal = SIGCHLD;
  clone.stack = (uint64_t)(uintptr_t)job->stack;
  clone.stack_size = CHILD_STACK_BYTES;
  clone.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0;
  /* The child starts with every signal blocked: none may run a daemon handler in it. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = upkeep_clone3(&clone, sizeof clone, child_main, job);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  /* The child's copy closes at its execve: end of file here. The field keeps the number,
   * which the child may still read to report a failure. */
  close(job->report_write);
  if (cgroup_fd >= 0) close(cgroup_fd);
  if (pid < 0) {
    free_job(job);
    return throw_errno(env, "clone3", (int)-pid);
  }
  job->pid = (pid_t)pid;

  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  napi_create_reference(env, args[8], 1, &job->on_exec);
  napi_create_reference(env, args[9], 1, &job->on_exit);
  napi_value name;
  napi_create_string_utf8(env, "upkeep:spawn", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &job->async);
  job->exec_poll.data = job->exit_poll.data = job;
  uv_poll_init(loop, &job->exec_poll, job->report_read);
  uv_poll_init(loop, &job->exit_poll, job->pidfd);
  job->open_handles = 2;
  uv_poll_start(&job->exec_poll, UV_READABLE, exec_ready);
  napi_value result;
  napi_create_int64(env, pid, &result);
  return result;
#endif
}

/* ---- exchange ---- */

/* renameat2(RENAME_EXCHANGE): swaps two paths atomically. PID files are replaced this way,
 * with a spare file that is written first, so that no write ever creates a file (a create
 * costs most of a millisecond on the disks seen here; a rename 40 µs). */
static napi_value native_exchange(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  char *a = argc >= 2 ? get_string(env, args[0]) : NULL;
  char *b = argc >= 2 ? get_string(env, args[1]) : NULL;
  napi_value result = NULL;
  if (!a || !b) {
    napi_throw_type_error(env, NULL, "exchange(pathA, pathB)");
  } else if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
    throw_errno(env, "renameat2", errno);
  } else {
    napi_get_undefined(env, &result);
  }
  free(a);
  free(b);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn, supported;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, native_spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  napi_create_function(env, "exchange", NAPI_AUTO_LENGTH, native_exchange, NULL, &fn);
  napi_set_named_property(env, exports, "exchange", fn);
  register_pipe_functions(env, exports);
  register_memory_functions(env, exports);
  register_pidfd_functions(env, exports);
  register_notify_functions(env, exports);
  register_fifo_functions(env, exports);
  register_sd_notify_functions(env, exports);

  register_reap_functions(env, exports);
  register_dup_functions(env, exports);
#ifdef HAVE_CLONE3_STUB
  napi_get_boolean(env, true, &supported);
#else
  napi_get_boolean(env, false, &supported);
#endif
  napi_set_named_property(env, exports, "supported", supported);
  return exports;
}
