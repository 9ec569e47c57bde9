/*
 * Moving captured output from a service's FIFO into its log file inside the kernel.
 *
 * Reading a chunk into the daemon and then writing it leaves a window: a daemon killed
 * between the read and the write has taken the bytes out of the pipe and never stored them.
 * splice(2) from the FIFO to the file has no such window: it takes out of the pipe exactly
 * what it wrote (a SIGKILL is acted on only when the call returns, and a write cut short by
 * it consumes only what landed), so output is either in the file or still in the pipe for
 * the next daemon. It also saves the copy through user space.
 *
 *   pollReadable(fd, onReadable) -> handle   libuv polls fd; onReadable() while data waits
 *   unrefPoll(handle)                        the poll no longer keeps the process alive
 *                                            (pidfd watches; FIFO readers stay referenced)
 *   stopPoll(handle)                         stops it (before the fd is closed)
 *   holdPoll(handle, ms)                     no onReadable for `ms`, then polling again
 *                                            (a fast writer's output gathers meanwhile)
 *   setPipeSize(fd, bytes) -> bytes          F_SETPIPE_SZ; the size the kernel gave
 *   pipeSize(fd) -> bytes                    F_GETPIPE_SZ
 *   pipeBytes(fd) -> n                       bytes in the pipe now (FIONREAD)
 *   splice(pipeFd, fileFd, offset, n) -> m   moves up to n bytes to the file at offset;
 *                                            0 when the pipe is empty; throws on errors
 *   fileSize(fd) -> bytes                    fstat's st_size, without building a Stats
 *                                            object (checked once per chunk)
 *
 * Node has no way to wait for a descriptor to become readable without reading it, nor any
 * splice binding, and no maintained npm package offers either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <uv.h>
#include "common.h"

struct poll {
  uv_poll_t handle;
  /* holdPoll's timer; initialised with the poll, so both are closed together. */
  uv_timer_t hold;
  napi_env env;
  napi_ref on_readable;
  napi_async_context async;
  int stopped;
  /* Handles not closed yet: the poll is freed when both are. */
  int open_handles;
};

static void poll_closed(uv_handle_t *handle) {
  struct poll *poll = handle->data;
  if (--poll->open_handles > 0) return;
  napi_delete_reference(poll->env, poll->on_readable);
  napi_async_destroy(poll->env, poll->async);
  free(poll);
}

static void close_poll(struct poll *poll) {
  poll->stopped = 1;
  uv_close((uv_handle_t *)&poll->handle, poll_closed);
  uv_close((uv_handle_t *)&poll->hold, poll_closed);
}

static void readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  struct poll *poll = handle->data;
  napi_env env = poll->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, global, result;
  napi_get_reference_value(env, poll->on_readable, &callback);
  napi_get_global(env, &global);
  /* The callback reads the pipe (level-triggered: what it leaves wakes it again). */
  if (napi_make_callback(env, poll->async, global, callback, 0, NULL, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

static napi_value poll_readable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  napi_valuetype type = napi_undefined;
  if (argc == 2) napi_typeof(env, args[1], &type);
  if (argc != 2 || type != napi_function) {
    napi_throw_type_error(env, NULL, "pollReadable(fd, onReadable)");
    return NULL;
  }
  struct poll *poll = calloc(1, sizeof *poll);
  if (!poll) return throw_errno(env, "pollReadable", ENOMEM);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int err = uv_poll_init(loop, &poll->handle, (int)get_int(env, args[0]));
  if (err != 0) {
    free(poll);
    return throw_errno(env, "uv_poll_init", -err);
  }
  uv_timer_init(loop, &poll->hold);
  poll->open_handles = 2;
  poll->handle.data = poll;
  poll->hold.data = poll;
  poll->env = env;
  napi_create_reference(env, args[1], 1, &poll->on_readable);
  napi_value name;
  napi_create_string_utf8(env, "upkeep:pipe", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &poll->async);
  err = uv_poll_start(&poll->handle, UV_READABLE, readable);
  if (err != 0) {
    /* The handles are initialised: they must be closed (which frees the poll), not just freed. */
    close_poll(poll);
    return throw_errno(env, "uv_poll_start", -err);
  }
  napi_value external;
  napi_create_external(env, poll, NULL, NULL, &external);
  return external;
}

/* The poll handle behind a JS external, or NULL after throwing a TypeError naming `usage`. */
static struct poll *get_poll(napi_env env, napi_callback_info info, const char *usage) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  struct poll *poll = NULL;
  if (argc != 1 || napi_get_value_external(env, arg, (void **)&poll) != napi_ok || !poll) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return poll;
}

static napi_value unref_poll(napi_env env, napi_callback_info info) {
  struct poll *poll = get_poll(env, info, "unrefPoll(handle)");
  /* A stopped poll is closing: uv_unref on it would be harmless but means nothing. */
  if (poll && !poll->stopped) {
    uv_unref((uv_handle_t *)&poll->handle);
    uv_unref((uv_handle_t *)&poll->hold);
  }
  return NULL;
}

static napi_value stop_poll(napi_env env, napi_callback_info info) {
  struct poll *poll = get_poll(env, info, "stopPoll(handle)");
  if (poll && !poll->stopped) {
    /* uv_poll_stop removes the fd from epoll at once, so the caller may close it next. */
    uv_poll_stop(&poll->handle);
    uv_timer_stop(&poll->hold);
    close_poll(poll);
  }
  return NULL;
}

static void hold_over(uv_timer_t *timer) {
  struct poll *poll = timer->data;
  if (poll->stopped) return;
  /* epoll_ctl can fail for want of memory: try again shortly rather than never read again. */
  if (uv_poll_start(&poll->handle, UV_READABLE, readable) != 0) uv_timer_start(&poll->hold, hold_over, 100, 0);
}

static napi_value hold_poll(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  struct poll *poll = NULL;
  if (argc != 2 || napi_get_value_external(env, args[0], (void **)&poll) != napi_ok || !poll) {
    napi_throw_type_error(env, NULL, "holdPoll(handle, ms)");
    return NULL;
  }
  if (poll->stopped) return NULL;
  /* Out of epoll for the hold: the writer's writes then wake nobody, which is most of what
   * a pipe write to a waiting reader costs. */
  uv_poll_stop(&poll->handle);
  uv_timer_start(&poll->hold, hold_over, (uint64_t)get_int(env, args[1]), 0);
  return NULL;
}

/* setPipeSize(fd, bytes) sets the size; pipeSize(fd) reads it (no second argument). */
static napi_value pipe_size(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "setPipeSize(fd, bytes) or pipeSize(fd)");
    return NULL;
  }
  int fd = (int)get_int(env, args[0]);
  int size = argc >= 2 ? fcntl(fd, F_SETPIPE_SZ, (int)get_int(env, args[1])) : fcntl(fd, F_GETPIPE_SZ);
  if (size < 0) return throw_errno(env, argc >= 2 ? "fcntl F_SETPIPE_SZ" : "fcntl F_GETPIPE_SZ", errno);
  napi_value result;
  napi_create_int32(env, size, &result);
  return result;
}

static napi_value pipe_bytes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  int bytes = 0;
  if (ioctl((int)get_int(env, arg), FIONREAD, &bytes) < 0) return throw_errno(env, "ioctl", errno);
  napi_value result;
  napi_create_int32(env, bytes, &result);
  return result;
}

static napi_value splice_to_file(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 4) {
    napi_throw_type_error(env, NULL, "splice(pipeFd, fileFd, offset, length)");
    return NULL;
  }
  int in = (int)get_int(env, args[0]);
  int out = (int)get_int(env, args[1]);
  loff_t offset = get_int(env, args[2]);
  size_t length = (size_t)get_int(env, args[3]);
  ssize_t moved;
  do moved = splice(in, NULL, out, &offset, length, SPLICE_F_NONBLOCK);
  while (moved < 0 && errno == EINTR);
  if (moved < 0 && errno == EAGAIN) moved = 0;
  if (moved < 0) return throw_errno(env, "splice", errno);
  napi_value result;
  napi_create_int64(env, moved, &result);
  return result;
}

static napi_value file_size(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  struct stat st;
  if (fstat((int)get_int(env, arg), &st) < 0) return throw_errno(env, "fstat", errno);
  napi_value result;
  napi_create_double(env, (double)st.st_size, &result);
  return result;
}

void register_pipe_functions(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {
      {"pollReadable", poll_readable},
      {"unrefPoll", unref_poll},
      {"stopPoll", stop_poll},
      {"holdPoll", hold_poll},
      {"setPipeSize", pipe_size},
      {"pipeSize", pipe_size},
      {"pipeBytes", pipe_bytes},
      {"splice", splice_to_file},
      {"fileSize", file_size},
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, functions[i].name, fn);
  }
}
