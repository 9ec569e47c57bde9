/*
 * The daemon as a parent: a child subreaper (orphans of its services are re-parented to it,
 * not to init) and the calls that reap such orphans without taking a status anyone else waits
 * for (src/core/child-claims.ts, src/daemon/reaper.ts).
 *
 *   setChildSubreaper()    prctl(PR_SET_CHILD_SUBREAPER, 1); throws (errno, syscall)
 *   peekZombieChild() -> pid   waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT): the PID of a child
 *                          that has exited and waits to be reaped (it stays so), 0 when none
 *   reapChild(pid) -> {code, signal} | null   waitid(P_PID, WEXITED | WNOHANG): reaps that
 *                          child if it has exited (null while it runs); throws ECHILD when it
 *                          is not our child
 *
 * Node has no binding for waitid, and libuv reaps only the children it spawned, one PID at a
 * time (waitpid(pid)), so a waitpid(-1) here would steal their statuses: the caller reaps one
 * PID it has checked is nobody else's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "common.h"

static napi_value set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return throw_errno(env, "prctl", errno);
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

static napi_value peek_zombie_child(napi_env env, napi_callback_info info) {
  (void)info;
  siginfo_t child;
  memset(&child, 0, sizeof child);
  int ret;
  do ret = waitid(P_ALL, 0, &child, WEXITED | WNOHANG | WNOWAIT);
  while (ret < 0 && errno == EINTR);
  if (ret < 0 && errno != ECHILD) return throw_errno(env, "waitid", errno);
  napi_value result;
  napi_create_int32(env, ret < 0 ? 0 : child.si_pid, &result);
  return result;
}

static napi_value reap_child(napi_env env, napi_callback_info info) {
  napi_value arg;
  if (!get_one_arg(env, info, napi_number, "reapChild(pid)", &arg)) return NULL;
  int64_t pid = get_int(env, arg);
  /* A PID of 0 or less would select a process group or any child: never. */
  if (pid <= 0 || pid > INT_MAX) return throw_errno(env, "waitid", EINVAL);
  siginfo_t child;
  memset(&child, 0, sizeof child);
  int ret;
  do ret = waitid(P_PID, (id_t)pid, &child, WEXITED | WNOHANG);
  while (ret < 0 && errno == EINTR);
  if (ret < 0) return throw_errno(env, "waitid", errno);
  napi_value result, code, signal;
  if (child.si_pid == 0) {
    napi_get_null(env, &result); /* still running */
    return result;
  }
  napi_create_object(env, &result);
  if (child.si_code == CLD_EXITED) {
    napi_create_int32(env, child.si_status, &code);
    napi_get_null(env, &signal);
  } else {
    napi_get_null(env, &code);
    napi_create_int32(env, child.si_status, &signal);
  }
  napi_set_named_property(env, result, "code", code);
  napi_set_named_property(env, result, "signal", signal);
  return result;
}

void register_reap_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "setChildSubreaper", NAPI_AUTO_LENGTH, set_child_subreaper, NULL, &fn);
  napi_set_named_property(env, exports, "setChildSubreaper", fn);
  napi_create_function(env, "peekZombieChild", NAPI_AUTO_LENGTH, peek_zombie_child, NULL, &fn);
  napi_set_named_property(env, exports, "peekZombieChild", fn);
  napi_create_function(env, "reapChild", NAPI_AUTO_LENGTH, reap_child, NULL, &fn);
  napi_set_named_property(env, exports, "reapChild", fn);
}
