{
  "targets": [
    {
      "target_name": "upkeep_native",
      "sources": ["native/upkeep_native.c", "native/pipe.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
