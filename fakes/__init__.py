"""Stand-ins for outside services that tests and benchmarks drive over real sockets."""
