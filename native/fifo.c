/*
 * Log FIFOs made with mknod(2) in the daemon itself (Node has no mkfifo binding; without the
 * addon src/logs/fifo.ts runs the `mkfifo` program instead).
 *
 *   mkfifo(path, mode) -> boolean        one FIFO, on the loop thread: true when made, false
 *                                        when something is already at `path` (EEXIST, not
 *                                        looked at: the caller checks what it is); throws
 *                                        (errno, syscall, path) for anything else
 *   mkfifos(paths, mode, done)           many FIFOs in libuv's threadpool, one after another;
 *                                        done(errnos) on the loop thread: one errno per path,
 *                                        0 when made (EEXIST when something was there)
 *
 * mknod never follows a symlink at the last component (a link there is EEXIST). The mode is
 * narrowed by the umask, as mkfifo(3)'s is. Why a batch in the threadpool: creating an inode
 * on ext4 cost 0.02-0.3 ms here (the allocator skips recently deleted inodes, reading their
 * blocks), and a new state dir of 1000 services needs 2000 FIFOs; the loop thread goes on
 * meanwhile, and no program is forked for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "common.h"

/* A malloc'd copy of a JS string, or NULL (not a string, or out of memory). */
static char *copy_string(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text) napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

static napi_value make_fifo(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  char *path = argc == 2 ? copy_string(env, args[0]) : NULL;
  if (!path) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode)");
    return NULL;
  }
  mode_t mode = (mode_t)(get_int(env, args[1]) & 07777);
  napi_value result = NULL;
  if (mknod(path, S_IFIFO | mode, 0) == 0) {
    napi_get_boolean(env, 1, &result);
  } else if (errno == EEXIST) {
    napi_get_boolean(env, 0, &result);
  } else {
    napi_value error = make_errno_error(env, "mknod", errno), where;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &where);
    napi_set_named_property(env, error, "path", where);
    napi_throw(env, error);
  }
  free(path);
  return result;
}

/* One batch: its paths, their errnos, and the callback. */
struct batch {
  char **paths;
  int *errnos;
  uint32_t count;
  mode_t mode;
  napi_ref done;
  napi_async_work work;
};

static void free_batch(napi_env env, struct batch *batch) {
  for (uint32_t i = 0; i < batch->count; i++) free(batch->paths[i]);
  free(batch->paths);
  free(batch->errnos);
  if (batch->done) napi_delete_reference(env, batch->done);
  if (batch->work) napi_delete_async_work(env, batch->work);
  free(batch);
}

/* In the threadpool: no N-API call here. */
static void make_batch(napi_env env, void *data) {
  struct batch *batch = data;
  for (uint32_t i = 0; i < batch->count; i++) {
    batch->errnos[i] = mknod(batch->paths[i], S_IFIFO | batch->mode, 0) == 0 ? 0 : errno;
  }
}

static void batch_done(napi_env env, napi_status status, void *data) {
  struct batch *batch = data;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value errnos, callback, global, item;
  napi_create_array_with_length(env, batch->count, &errnos);
  for (uint32_t i = 0; i < batch->count; i++) {
    /* A cancelled work (never here: nothing cancels it) reports ECANCELED for every path. */
    napi_create_int32(env, status == napi_ok ? batch->errnos[i] : ECANCELED, &item);
    napi_set_element(env, errnos, i, item);
  }
  napi_get_reference_value(env, batch->done, &callback);
  napi_get_global(env, &global);
  napi_call_function(env, global, callback, 1, &errnos, NULL);
  napi_close_handle_scope(env, scope);
  free_batch(env, batch);
}

static napi_value make_fifos(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  napi_valuetype done_type = napi_undefined;
  uint32_t count = 0;
  if (argc == 3) napi_typeof(env, args[2], &done_type);
  if (argc < 3 || done_type != napi_function || napi_get_array_length(env, args[0], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "mkfifos(paths, mode, done)");
    return NULL;
  }
  struct batch *batch = calloc(1, sizeof *batch);
  if (batch) {
    batch->paths = calloc(count + 1, sizeof(char *));
    batch->errnos = calloc(count + 1, sizeof(int));
  }
  if (!batch || !batch->paths || !batch->errnos) {
    if (batch) free_batch(env, batch);
    return throw_errno(env, "malloc", ENOMEM);
  }
  batch->mode = (mode_t)(get_int(env, args[1]) & 07777);
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, args[0], i, &item);
    batch->paths[i] = copy_string(env, item);
    batch->count = i + 1;
    if (!batch->paths[i]) {
      free_batch(env, batch);
      napi_throw_type_error(env, NULL, "mkfifos(paths, mode, done): every path must be a string");
      return NULL;
    }
  }
  napi_value name;
  napi_create_string_utf8(env, "upkeep:mkfifos", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, args[2], 1, &batch->done);
  if (napi_create_async_work(env, NULL, name, make_batch, batch_done, batch, &batch->work) != napi_ok ||
      napi_queue_async_work(env, batch->work) != napi_ok) {
    free_batch(env, batch);
    return throw_errno(env, "uv_queue_work", ENOMEM);
  }
  return NULL;
}

void register_fifo_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "mkfifo", NAPI_AUTO_LENGTH, make_fifo, NULL, &fn);
  napi_set_named_property(env, exports, "mkfifo", fn);
  napi_create_function(env, "mkfifos", NAPI_AUTO_LENGTH, make_fifos, NULL, &fn);
  napi_set_named_property(env, exports, "mkfifos", fn);
}
