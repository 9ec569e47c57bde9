/* Helpers shared by the addon's files (defined in upkeep_native.c). */
#ifndef UPKEEP_NATIVE_COMMON_H
#define UPKEEP_NATIVE_COMMON_H
#include <node_api.h>
#include <stdint.h>

/* An Error with `errno` (the number) and `syscall` set, as native.ts expects. */
napi_value make_errno_error(napi_env env, const char *step, int err);
napi_value throw_errno(napi_env env, const char *step, int err);
int64_t get_int(napi_env env, napi_value value);
/* The call's one argument, of `type`; else a TypeError naming `usage` is thrown and 0 returned. */
int get_one_arg(napi_env env, napi_callback_info info, napi_valuetype type, const char *usage, napi_value *arg);

/* Adds pollReadable, unrefPoll, stopPoll, pipeBytes, splice and fileSize (pipe.c) to the exports. */
void register_pipe_functions(napi_env env, napi_value exports);
/* Adds releaseStartupPages (memory.c) to the exports. */
void register_memory_functions(napi_env env, napi_value exports);
/* Adds pidfdOpen (pidfd.c) to the exports. */
void register_pidfd_functions(napi_env env, napi_value exports);
/* Adds notifyBind and notifyReceive (notify.c) to the exports. */
void register_notify_functions(napi_env env, napi_value exports);
/* Adds mkfifo and mkfifos (fifo.c) to the exports. */
void register_fifo_functions(napi_env env, napi_value exports);
/* Adds notifySend, getXattr and setXattr (sd-notify.c) to the exports. */
void register_sd_notify_functions(napi_env env, napi_value exports);

/* Adds setChildSubreaper, peekZombieChild and reapChild (reap.c) to the exports. */
void register_reap_functions(napi_env env, napi_value exports);
/* Adds dupOnto (dup.c) to the exports. */
void register_dup_functions(napi_env env, napi_value exports);
#endif
