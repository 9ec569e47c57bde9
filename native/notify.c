/*
 * The receiving end of $NOTIFY_SOCKET (the sd_notify protocol): services send datagrams such
 * as "READY=1\nSTATUS=up\n" to an AF_UNIX SOCK_DGRAM socket. Node has no datagram UNIX
 * sockets, so the addon binds and reads it; libuv polls the fd (pollReadable, native/pipe.c).
 *
 *   notifyBind(path) -> fd         socket + SO_PASSCRED, removes a stale socket file at path,
 *                                  binds; throws (errno, syscall, path). A path starting with
 *                                  '@' names a socket in the abstract namespace (as sd_notify
 *                                  reads NOTIFY_SOCKET): no file, so no mode or stale file.
 *   notifyReceive(fd) -> messages  [{ pid, uid, text }] for each datagram pending now
 *
 * SO_PASSCRED makes the kernel attach the sender's credentials to every datagram, whether or
 * not the sender sent any, so pid names the process that sent it (0 when absent: a sender in
 * a PID namespace we cannot see) and the daemon can check that it belongs to the service.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "common.h"

/* sd_notify messages are short; systemd's own buffer is this size too (NOTIFY_BUFFER_MAX). */
#define DATAGRAM_BYTES 4096
/* Datagrams per notifyReceive: a flood must not hold the loop; the level-triggered poll calls
 * again at once for the rest. */
#define MAX_DATAGRAMS_PER_CALL 256
/* Descriptors a sender may attach (FDSTORE=1); received only to be closed at once. */
#define MAX_PASSED_FDS 16

/* An errno error naming the path, with a message of our own instead of strerror's. */
static napi_value throw_path_error(napi_env env, const char *step, int err, const char *path, const char *text) {
  napi_value error = make_errno_error(env, step, err);
  napi_value value;
  if (text) {
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, error, "message", value);
  }
  napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "path", value);
  napi_throw(env, error);
  return NULL;
}

static napi_value notify_bind(napi_env env, napi_callback_info info) {
  napi_value arg;
  if (!get_one_arg(env, info, napi_string, "notifyBind(path)", &arg)) return NULL;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t length = 0;
  napi_get_value_string_utf8(env, arg, NULL, 0, &length);
  char *path = malloc(length + 1);
  if (!path) return throw_errno(env, "malloc", ENOMEM);
  napi_get_value_string_utf8(env, arg, path, length + 1, &length);
  napi_value result = NULL;
  char text[160];
  if (length >= sizeof addr.sun_path) {
    snprintf(text, sizeof text, "the path is %zu bytes; a UNIX socket's path holds at most %zu", length,
             sizeof addr.sun_path - 1);
    throw_path_error(env, "bind", ENAMETOOLONG, path, text);
  } else if (length == 0 || strlen(path) != length) {
    /* Empty would autobind in the abstract namespace; a NUL would cut the path short. */
    throw_path_error(env, "bind", EINVAL, path, "the path is empty or contains a NUL byte");
  } else {
    const int abstract = path[0] == '@';
    memcpy(addr.sun_path, path, length);
    if (abstract) addr.sun_path[0] = '\0';
    /* An abstract name is as long as it is: no terminating NUL counts. */
    const socklen_t addr_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + (abstract ? 0 : 1));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    struct stat st;
    if (fd < 0) {
      throw_errno(env, "socket", errno);
    } else if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
      int err = errno;
      close(fd);
      throw_errno(env, "setsockopt SO_PASSCRED", err);
    } else if (!abstract && lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
      /* A stale socket of an earlier daemon is ours to replace; anything else is not. */
      close(fd);
      throw_path_error(env, "bind", EEXIST, path, "the path exists and is not a socket; it was left alone");
    } else if (!abstract && unlink(path) < 0 && errno != ENOENT) {
      int err = errno;
      close(fd);
      throw_path_error(env, "unlink", err, path, NULL);
    } else if (bind(fd, (struct sockaddr *)&addr, addr_length) < 0) {
      int err = errno;
      close(fd);
      throw_path_error(env, "bind", err, path, NULL);
    } else {
      napi_create_int32(env, fd, &result);
    }
  }
  free(path);
  return result;
}

/* Closes descriptors a sender passed (SCM_RIGHTS); returns the SCM_CREDENTIALS, if any. */
static const struct ucred *read_control(struct msghdr *msg) {
  const struct ucred *cred = NULL;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      cred = (const struct ucred *)CMSG_DATA(c);
    } else if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int fds[MAX_PASSED_FDS];
      memcpy(fds, CMSG_DATA(c), (count < MAX_PASSED_FDS ? count : MAX_PASSED_FDS) * sizeof(int));
      for (size_t i = 0; i < count && i < MAX_PASSED_FDS; i++) close(fds[i]);
    }
  }
  return cred;
}

static napi_value notify_receive(napi_env env, napi_callback_info info) {
  napi_value arg;
  if (!get_one_arg(env, info, napi_number, "notifyReceive(fd)", &arg)) return NULL;
  int fd = (int)get_int(env, arg);
  napi_value list;
  napi_create_array(env, &list);
  uint32_t count = 0;
  static char data[DATAGRAM_BYTES];
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
  } control;
  for (int taken = 0; taken < MAX_DATAGRAMS_PER_CALL; taken++) {
    struct iovec iov = {data, sizeof data};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    ssize_t got = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue; /* counted: a signal storm cannot spin here */
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (got < 0) {
      /* Datagrams already taken out of the socket must not be lost with the error: hand them
       * over; a lasting error is thrown by the next call. */
      if (count > 0) break;
      return throw_errno(env, "recvmsg", errno);
    }
    const struct ucred *cred = read_control(&msg);
    /* As systemd does: a datagram longer than the buffer is not a valid message; drop it
     * rather than act on a cut one. */
    if (msg.msg_flags & MSG_TRUNC) continue;
    napi_value item, value;
    napi_create_object(env, &item);
    napi_create_int32(env, cred ? (int32_t)cred->pid : 0, &value);
    napi_set_named_property(env, item, "pid", value);
    napi_create_int64(env, cred ? (int64_t)cred->uid : -1, &value);
    napi_set_named_property(env, item, "uid", value);
    napi_create_string_utf8(env, data, (size_t)got, &value);
    napi_set_named_property(env, item, "text", value);
    napi_set_element(env, list, count++, item);
  }
  return list;
}

void register_notify_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "notifyBind", NAPI_AUTO_LENGTH, notify_bind, NULL, &fn);
  napi_set_named_property(env, exports, "notifyBind", fn);
  napi_create_function(env, "notifyReceive", NAPI_AUTO_LENGTH, notify_receive, NULL, &fn);
  napi_set_named_property(env, exports, "notifyReceive", fn);
}
