/*
 * Re-pointing one of the daemon's own descriptors (its stderr, when it is the state dir's
 * daemon.log and that file rotates: src/daemon/daemon-log-file.ts).
 *
 *   dupOnto(fd, target)   dup3(fd, target, 0): `target` now names what `fd` names (and stays
 *                         open across exec); throws (errno, syscall)
 *
 * Node has no dup2: process.stderr writes to descriptor 2 by number, so after this its lines go
 * to the new file, and so does anything else written to descriptor 2 (a fatal error's trace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include "common.h"

static napi_value dup_onto(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "dupOnto(fd, target)");
    return NULL;
  }
  int64_t fd = get_int(env, args[0]);
  int64_t target = get_int(env, args[1]);
  if (fd < 0 || target < 0 || fd > INT_MAX || target > INT_MAX || fd == target)
    return throw_errno(env, "dup3", EINVAL);
  int ret;
  do ret = dup3((int)fd, (int)target, 0);
  while (ret < 0 && errno == EINTR);
  if (ret < 0) return throw_errno(env, "dup3", errno);
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

void register_dup_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "dupOnto", NAPI_AUTO_LENGTH, dup_onto, NULL, &fn);
  napi_set_named_property(env, exports, "dupOnto", fn);
}
