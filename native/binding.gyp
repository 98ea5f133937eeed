{
  "targets": [{
    "target_name": "cell_lens_native",
    "sources": ["sgemm.c", "binding.c"],
    "cflags": ["-O3", "-ffp-contract=off", "-fno-fast-math"],
    "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-ffp-contract=off", "-fno-fast-math"] },
    "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/fp:strict"] } }
  }]
}
