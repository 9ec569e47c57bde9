{
  "targets": [
    {
      "target_name": "upkeep_native",
      "sources": ["native/upkeep_native.c", "native/pipe.c", "native/memory.c", "native/pidfd.c", "native/notify.c", "native/fifo.c", "native/sd-notify.c", "native/reap.c", "native/dup.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    },
    {
      "target_name": "upkeep-fifo-holder",
      "type": "executable",
      "sources": ["native/fifo-holder.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
