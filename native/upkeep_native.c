/*
 * upkeep's native helpers: the few system calls Node 20 does not expose and no maintained npm
 * package offers together (checked: `posix_spawn` on npm runs /bin/sh and has no exit watch).
 *
 *   spawn(file, argv, envp, cwd, fds, uid, gid, cgroupDir, onExit) -> pid
 *     clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_INTO_CGROUP), as posix_spawn does:
 *     no copy of the daemon's page tables (child_process.spawn forks, which costs 2-5 ms and
 *     grows with the daemon's memory), the child is born in its cgroup (no window in which a
 *     fork of it could escape, and the daemon never moves itself between cgroups), and its
 *     exit is seen through a pidfd polled by libuv: onExit(code, signal) on the loop thread.
 *   mkfifo(path, mode)
 *     Node has no binding for mkfifo(3).
 *
 * The child runs on its own small stack and shares the daemon's memory until execve, so it
 * calls only raw system calls (no malloc, no locks, no glibc set*id broadcast to threads).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <node_api.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define CHILD_STACK_BYTES (64 * 1024)

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, "UPKEEP_NATIVE", "N-API call failed: " #call);                        \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

/* What the child needs; filled by the parent before clone3, read-only in the child except the
 * failure report (the memory is shared until execve). */
struct child_spec {
  const char *file;
  char **argv;
  char **envp;
  const char *cwd;
  int fds[3];
  long uid;
  long gid;
  volatile int failed_step; /* 0: exec'd; else which step failed */
  volatile int failed_errno;
};

static const char *const STEP_NAMES[] = {"", "setsid", "dup2", "chdir", "setgroups", "setgid",
                                         "setuid", "execve"};

static int child_fail(struct child_spec *spec, int step) {
  spec->failed_errno = errno;
  spec->failed_step = step;
  syscall(SYS_exit, 127);
  return 127;
}

/* Moves fd to target, clearing close-on-exec (dup2 onto itself would keep the flag). */
static int child_place_fd(int fd, int target) {
  if (fd == target) return (int)syscall(SYS_fcntl, fd, F_SETFD, 0);
  return (int)syscall(SYS_dup3, fd, target, 0);
}

/* The kernel's struct sigaction (glibc's differs in layout); used with the raw system call. */
struct kernel_sigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

static int child_main(void *arg) {
  struct child_spec *spec = arg;
  /* Handlers of the daemon (libuv's signal pipe) must never run in the service. */
  struct kernel_sigaction dfl = {0, 0, 0, 0}; /* SIG_DFL, no flags, empty mask */
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
  }
  if (syscall(SYS_setsid) < 0) return child_fail(spec, 1);
  /* Raise sources above 2 first, so placing one stream cannot overwrite another's source. */
  int high[3];
  for (int i = 0; i < 3; i++) {
    high[i] = (int)syscall(SYS_fcntl, spec->fds[i], F_DUPFD_CLOEXEC, 3);
    if (high[i] < 0) return child_fail(spec, 2);
  }
  for (int i = 0; i < 3; i++)
    if (child_place_fd(high[i], i) < 0) return child_fail(spec, 2);
  if (spec->cwd && syscall(SYS_chdir, spec->cwd) < 0) return child_fail(spec, 3);
  if (spec->uid >= 0 || spec->gid >= 0) {
    if (syscall(SYS_setgroups, 0, NULL) < 0 && errno != EPERM) return child_fail(spec, 4);
  }
  if (spec->gid >= 0 && syscall(SYS_setgid, spec->gid) < 0) return child_fail(spec, 5);
  if (spec->uid >= 0 && syscall(SYS_setuid, spec->uid) < 0) return child_fail(spec, 6);
  uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
  syscall(SYS_execve, spec->file, spec->argv, spec->envp);
  return child_fail(spec, 7);
}

#if defined(__x86_64__)
/* clone3 with a function to run on the new stack, as glibc's clone3.S does: the child returns
 * from the syscall on its own stack, so it must not return into C. fn and arg travel in r8/r9,
 * which the syscall preserves in both processes. */
long upkeep_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
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
        "  mov $60, %eax\n" /* SYS_exit */
        "  syscall\n"
        "  hlt\n"
        "1: ret\n"
        ".size upkeep_clone3, .-upkeep_clone3\n");
#define HAVE_CLONE3_STUB 1
#endif

/* ---- exit watch: one per spawned child ---- */

struct exit_watch {
  uv_poll_t poll;
  int pidfd;
  pid_t pid;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
};

static void watch_closed(uv_handle_t *handle) {
  struct exit_watch *watch = handle->data;
  close(watch->pidfd);
  free(watch);
}

static void watch_fired(uv_poll_t *poll, int status, int events) {
  (void)events;
  struct exit_watch *watch = poll->data;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (status == 0 && syscall(SYS_waitid, P_PIDFD, watch->pidfd, &info, WEXITED | WNOHANG, NULL) == 0 &&
      info.si_pid == 0)
    return; /* not exited yet (spurious wake-up) */
  uv_poll_stop(poll);
  napi_env env = watch->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, resource, argv[2];
  napi_get_reference_value(env, watch->callback, &callback);
  napi_get_undefined(env, &resource);
  if (status != 0 || info.si_pid == 0) {
    napi_get_null(env, &argv[0]);
    napi_get_null(env, &argv[1]);
  } else if (info.si_code == CLD_EXITED) {
    napi_create_int32(env, info.si_status, &argv[0]);
    napi_get_null(env, &argv[1]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_int32(env, info.si_status, &argv[1]);
  }
  napi_value result;
  napi_get_global(env, &resource);
  /* make_callback, not call_function: promise continuations queued by onExit run right after. */
  if (napi_make_callback(env, watch->async, resource, callback, 2, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception); /* an uncaught exception, as from any other callback */
  }
  napi_delete_reference(env, watch->callback);
  napi_async_destroy(env, watch->async);
  napi_close_handle_scope(env, scope);
  uv_close((uv_handle_t *)poll, watch_closed);
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
    list[i] = get_string(env, item);
  }
  return list;
}

static void free_strings(char **list) {
  if (!list) return;
  for (char **item = list; *item; item++) free(*item);
  free(list);
}

/* Throws an Error carrying errno, syscall and path; the JS side turns it into a message with
 * the errno's name (as Node's own spawn errors read: "spawn /bin/x ENOENT"). */
static napi_value throw_errno(napi_env env, const char *syscall_name, int err, const char *path) {
  napi_value message, error, errno_value, syscall_value, path_value;
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  if (path) {
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &path_value);
    napi_set_named_property(env, error, "path", path_value);
  }
  napi_throw(env, error);
  return NULL;
}

static int64_t get_int(napi_env env, napi_value value) {
  int64_t number = -1;
  napi_get_value_int64(env, value, &number);
  return number;
}

/* ---- spawn ---- */

static void *child_stack = NULL;

static napi_value native_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 9) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, fds, uid, gid, cgroupDir, onExit)");
    return NULL;
  }
#ifndef HAVE_CLONE3_STUB
  return throw_errno(env, "clone3", ENOSYS, NULL);
#else
  if (!child_stack) {
    child_stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (child_stack == MAP_FAILED) {
      child_stack = NULL;
      return throw_errno(env, "mmap", errno, NULL);
    }
  }
  struct child_spec spec;
  memset(&spec, 0, sizeof spec);
  char *file = get_string(env, args[0]);
  char **argv = get_strings(env, args[1]);
  char **envp = get_strings(env, args[2]);
  napi_valuetype cwd_type, cgroup_type;
  napi_typeof(env, args[3], &cwd_type);
  napi_typeof(env, args[7], &cgroup_type);
  char *cwd = cwd_type == napi_string ? get_string(env, args[3]) : NULL;
  char *cgroup = cgroup_type == napi_string ? get_string(env, args[7]) : NULL;
  for (uint32_t i = 0; i < 3; i++) {
    napi_value fd;
    napi_get_element(env, args[4], i, &fd);
    spec.fds[i] = (int)get_int(env, fd);
  }
  spec.file = file;
  spec.argv = argv;
  spec.envp = envp;
  spec.cwd = cwd;
  spec.uid = (long)get_int(env, args[5]);
  spec.gid = (long)get_int(env, args[6]);

  napi_value result = NULL;
  int cgroup_fd = -1;
  if (!file || !argv || !envp) {
    napi_throw_error(env, "UPKEEP_NATIVE", "spawn: out of memory copying arguments");
    goto done;
  }
  if (cgroup) {
    cgroup_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup_fd < 0) {
      throw_errno(env, "open", errno, cgroup);
      goto done;
    }
  }
  int pidfd = -1;
  struct clone_args clone;
  memset(&clone, 0, sizeof clone);
  clone.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
  clone.pidfd = (uint64_t)(uintptr_t)&pidfd;
  clone.exit_signal = SIGCHLD;
  clone.stack = (uint64_t)(uintptr_t)child_stack;
  clone.stack_size = CHILD_STACK_BYTES;
  clone.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0;
  /* No signal may run a daemon handler in the child before it resets them. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = upkeep_clone3(&clone, sizeof clone, child_main, &spec);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) {
    throw_errno(env, "clone3", pid == -1 ? clone_errno : (int)-pid, cgroup);
    goto done;
  }
  if (spec.failed_step != 0) {
    /* The child exited before execve: reap it and report why. */
    siginfo_t reaped;
    syscall(SYS_waitid, P_PIDFD, pidfd, &reaped, WEXITED, NULL);
    close(pidfd);
    throw_errno(env, STEP_NAMES[spec.failed_step], spec.failed_errno, spec.failed_step == 7 ? file : cwd);
    goto done;
  }
  struct exit_watch *watch = calloc(1, sizeof *watch);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  watch->pidfd = pidfd;
  watch->pid = (pid_t)pid;
  watch->env = env;
  watch->poll.data = watch;
  napi_create_reference(env, args[8], 1, &watch->callback);
  napi_value name;
  napi_create_string_utf8(env, "upkeep:exit", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &watch->async);
  uv_poll_init(loop, &watch->poll, pidfd);
  uv_poll_start(&watch->poll, UV_READABLE, watch_fired);
  napi_create_int64(env, pid, &result);

done:
  if (cgroup_fd >= 0) close(cgroup_fd);
  free(file);
  free_strings(argv);
  free_strings(envp);
  free(cwd);
  free(cgroup);
  return result;
#endif
}

/* ---- mkfifo ---- */

static napi_value native_mkfifo(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  char *path = get_string(env, args[0]);
  int mode = (int)get_int(env, args[1]);
  if (!path) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode)");
    return NULL;
  }
  int rc = mkfifo(path, (mode_t)mode);
  int err = errno;
  napi_value result = NULL;
  if (rc < 0) {
    throw_errno(env, "mkfifo", err, path);
  } else {
    napi_get_undefined(env, &result);
  }
  free(path);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, native_spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  napi_create_function(env, "mkfifo", NAPI_AUTO_LENGTH, native_mkfifo, NULL, &fn);
  napi_set_named_property(env, exports, "mkfifo", fn);
  return exports;
}
