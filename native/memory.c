/*
 * releaseStartupPages() -> bytes: gives back the clean pages of the node binary the daemon
 * touched only while starting (V8's compilers, the startup snapshot, ICU data), which
 * otherwise stay in its resident set for good.
 *
 * Only pages of the running executable are released (the kernel refuses writes to it while
 * it runs, ETXTBSY, so a released page always comes back with the same bytes; a shared
 * library or addon could be rewritten in place by an upgrade), and only pages that are
 * provably identical to the file: read-only private mappings, and within them only pages
 * that /proc/self/pagemap shows as file pages (a page the dynamic linker wrote, such as RELRO relocations, is anonymous there and is
 * kept, since MADV_DONTNEED would bring back the file's unrelocated bytes). A released page
 * the daemon needs again is mapped back from the page cache on first touch (a minor fault);
 * the kernel would evict these same pages under memory pressure, this only does it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PAGES_PER_READ 512

/* Releases the runs of present file pages in [start, end); returns the bytes released. */
static uint64_t release_range(int pagemap, uintptr_t start, uintptr_t end, long page) {
  uint64_t entries[PAGES_PER_READ];
  uint64_t released = 0;
  uintptr_t run = 0; /* start of the current run of releasable pages, 0 when none */
  for (uintptr_t at = start; at < end;) {
    size_t count = (end - at) / page;
    if (count > PAGES_PER_READ) count = PAGES_PER_READ;
    ssize_t got = pread(pagemap, entries, count * sizeof entries[0], (off_t)(at / page * sizeof entries[0]));
    if (got <= 0) {
      end = at; /* pages not read are not checked: the last run ends here */
      break;
    }
    count = (size_t)got / sizeof entries[0];
    for (size_t i = 0; i < count; i++, at += page) {
      int releasable = (entries[i] & PM_PRESENT) && (entries[i] & PM_FILE);
      if (releasable && run == 0) run = at;
      if (!releasable && run != 0) {
        if (madvise((void *)run, at - run, MADV_DONTNEED) == 0) released += at - run;
        run = 0;
      }
    }
  }
  if (run != 0 && madvise((void *)run, end - run, MADV_DONTNEED) == 0) released += end - run;
  return released;
}

static napi_value release_startup_pages(napi_env env, napi_callback_info info) {
  (void)info;
  FILE *maps = fopen("/proc/self/maps", "re");
  if (!maps) return throw_errno(env, "open /proc/self/maps", errno);
  int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (pagemap < 0) {
    int err = errno;
    fclose(maps);
    return throw_errno(env, "open /proc/self/pagemap", err);
  }
  char exe[4096];
  ssize_t exe_length = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (exe_length <= 0) {
    int err = errno;
    close(pagemap);
    fclose(maps);
    return throw_errno(env, "readlink /proc/self/exe", err);
  }
  exe[exe_length] = '\0';
  long page = sysconf(_SC_PAGESIZE);
  uint64_t released = 0;
  char line[8192];
  while (fgets(line, sizeof line, maps)) {
    uintptr_t start, end;
    char perms[5];
    unsigned long inode;
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %4s %*s %*s %lu %n", &start, &end, perms, &inode, &path_at) != 4) continue;
    /* Read-only (writable pages may differ from the file), private, backed by the executable. */
    if (perms[1] != '-' || perms[3] != 'p' || inode == 0) continue;
    const char *path = line + path_at;
    size_t path_length = strcspn(path, "\n");
    if (path_length != (size_t)exe_length || strncmp(path, exe, path_length) != 0) continue;
    released += release_range(pagemap, start, end, page);
  }
  close(pagemap);
  fclose(maps);
  napi_value result;
  napi_create_double(env, (double)released, &result);
  return result;
}

void register_memory_functions(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "releaseStartupPages", NAPI_AUTO_LENGTH, release_startup_pages, NULL, &fn);
  napi_set_named_property(env, exports, "releaseStartupPages", fn);
}
