/*
 * The daemon's side of systemd's protocols that Node cannot speak (src/daemon/systemd-notify.ts,
 * src/identity/cgroup-delegation.ts):
 *
 *   notifySend(address, text)        one datagram to $NOTIFY_SOCKET ("/path" or "@abstract"),
 *                                    as sd_notify(3) sends it; throws (errno, syscall, path)
 *   getXattr(path, name) -> string|null   an extended attribute of a file (a cgroup directory's
 *                                    trusted.delegate), null when it is not set (ENODATA)
 *   setXattr(path, name, value)      sets one (the tests build a delegated cgroup with it)
 *
 * The send never blocks the loop: MSG_DONTWAIT, so a receiver whose queue is full gives EAGAIN
 * (the caller drops that update and says so) instead of a stalled daemon.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "common.h"

/* xattr values this code reads are tiny ("1", an invocation id); longer ones are ERANGE. */
#define XATTR_BYTES 256

/* A malloc'd copy of a JS string, or NULL (not a string, or out of memory). */
static char *copy_string(napi_env env, napi_value value, size_t *length_out) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text) napi_get_value_string_utf8(env, value, text, length + 1, &length);
  if (length_out) *length_out = length;
  return text;
}

/* Reads `count` string arguments; on a wrong call throws a TypeError naming `usage`. */
static int get_strings(napi_env env, napi_callback_info info, size_t count, const char *usage, char **out,
                       size_t *lengths) {
  napi_value args[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  for (size_t i = 0; i < count; i++) out[i] = NULL;
  int ok = argc == count;
  for (size_t i = 0; ok && i < count; i++) {
    napi_valuetype type;
    napi_typeof(env, args[i], &type);
    ok = type == napi_string && (out[i] = copy_string(env, args[i], &lengths[i])) != NULL;
  }
  if (!ok) {
    for (size_t i = 0; i < count; i++) free(out[i]);
    napi_throw_type_error(env, NULL, usage);
  }
  return ok;
}

static napi_value throw_at(napi_env env, const char *step, int err, const char *path) {
  napi_value error = make_errno_error(env, step, err), where;
  napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &where);
  napi_set_named_property(env, error, "path", where);
  napi_throw(env, error);
  return NULL;
}

static napi_value notify_send(napi_env env, napi_callback_info info) {
  char *args[2];
  size_t lengths[2];
  if (!get_strings(env, info, 2, "notifySend(address, text)", args, lengths)) return NULL;
  const char *address = args[0];
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  napi_value result = NULL;
  const int abstract = address[0] == '@';
  if (lengths[0] >= sizeof addr.sun_path) {
    throw_at(env, "sendto", ENAMETOOLONG, address);
  } else if (lengths[0] == 0 || strlen(address) != lengths[0] || (address[0] != '/' && !abstract)) {
    /* sd_notify accepts only these two forms (vsock: needs systemd 253 and is not spoken here). */
    throw_at(env, "sendto", EINVAL, address);
  } else {
    memcpy(addr.sun_path, address, lengths[0]);
    if (abstract) addr.sun_path[0] = '\0';
    const socklen_t addr_length =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + lengths[0] + (abstract ? 0 : 1));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw_errno(env, "socket", errno);
    } else {
      ssize_t sent;
      do sent = sendto(fd, args[1], lengths[1], MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_length);
      while (sent < 0 && errno == EINTR);
      int err = errno;
      close(fd);
      if (sent < 0) throw_at(env, "sendto", err, address);
      else napi_get_undefined(env, &result);
    }
  }
  free(args[0]);
  free(args[1]);
  return result;
}

static napi_value get_xattr(napi_env env, napi_callback_info info) {
  char *args[2];
  size_t lengths[2];
  if (!get_strings(env, info, 2, "getXattr(path, name)", args, lengths)) return NULL;
  char value[XATTR_BYTES];
  napi_value result = NULL;
  /* lgetxattr: a symlink's own attributes, never its target's. */
  ssize_t got = lgetxattr(args[0], args[1], value, sizeof value);
  if (got >= 0) napi_create_string_utf8(env, value, (size_t)got, &result);
  else if (errno == ENODATA || errno == ENOTSUP) napi_get_null(env, &result);
  else throw_at(env, "lgetxattr", errno, args[0]);
  free(args[0]);
  free(args[1]);
  return result;
}

static napi_value set_xattr(napi_env env, napi_callback_info info) {
  char *args[3];
  size_t lengths[3];
  if (!get_strings(env, info, 3, "setXattr(path, name, value)", args, lengths)) return NULL;
  napi_value result = NULL;
  if (lsetxattr(args[0], args[1], args[2], lengths[2], 0) == 0) napi_get_undefined(env, &result);
  else throw_at(env, "lsetxattr", errno, args[0]);
  for (int i = 0; i < 3; i++) free(args[i]);
  return result;
}

void register_sd_notify_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "notifySend", NAPI_AUTO_LENGTH, notify_send, NULL, &fn);
  napi_set_named_property(env, exports, "notifySend", fn);
  napi_create_function(env, "getXattr", NAPI_AUTO_LENGTH, get_xattr, NULL, &fn);
  napi_set_named_property(env, exports, "getXattr", fn);
  napi_create_function(env, "setXattr", NAPI_AUTO_LENGTH, set_xattr, NULL, &fn);
  napi_set_named_property(env, exports, "setXattr", fn);
}
