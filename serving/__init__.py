"""Using a pushed model: finding it, the `datenmt` command (translate, run, bench) and the benchmark."""
