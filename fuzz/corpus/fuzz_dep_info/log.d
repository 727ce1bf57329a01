/p/target/debug/deps/log-25798268368ed1b5.d: /reg/log-0.4.17/src/lib.rs /reg/log-0.4.17/src/macros.rs /reg/log-0.4.17/src/serde.rs

/p/target/debug/deps/liblog-25798268368ed1b5.rlib: /reg/log-0.4.17/src/lib.rs /reg/log-0.4.17/src/macros.rs /reg/log-0.4.17/src/serde.rs

/p/target/debug/deps/liblog-25798268368ed1b5.rmeta: /reg/log-0.4.17/src/lib.rs /reg/log-0.4.17/src/macros.rs /reg/log-0.4.17/src/serde.rs

/reg/log-0.4.17/src/lib.rs:
/reg/log-0.4.17/src/macros.rs:
/reg/log-0.4.17/src/serde.rs:
