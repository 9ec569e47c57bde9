/*
 * A pidfd for a process that is not our child (adopted services, forking daemons' main PIDs).
 *
 *   pidfdOpen(pid) -> fd   pidfd_open(2), flags 0 (close-on-exec is implied); throws (errno,
 *                          syscall): ESRCH once the process is gone, ENOSYS before Linux 5.3
 *
 * The fd becomes readable when the process exits (not when it is reaped), so a poll on it
 * (pollReadable, native/pipe.c) tells of the death of any process, child or not. Node has no
 * pidfd binding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

static napi_value pidfd_open(napi_env env, napi_callback_info info) {
  napi_value arg;
  if (!get_one_arg(env, info, napi_number, "pidfdOpen(pid)", &arg)) return NULL;
  int64_t pid = get_int(env, arg);
  /* The kernel takes a pid_t: a larger number must not wrap around to another PID. */
  if (pid <= 0 || pid > INT_MAX) return throw_errno(env, "pidfd_open", EINVAL);
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) return throw_errno(env, "pidfd_open", errno);
  napi_value result;
  napi_create_int32(env, (int32_t)fd, &result);
  return result;
}

void register_pidfd_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "pidfdOpen", NAPI_AUTO_LENGTH, pidfd_open, NULL, &fn);
  napi_set_named_property(env, exports, "pidfdOpen", fn);
}
