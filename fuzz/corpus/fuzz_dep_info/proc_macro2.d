/p/target/debug/deps/proc_macro2-f5d03396c9b2531c.d: /reg/proc-macro2-1.0.47/src/lib.rs /reg/proc-macro2-1.0.47/src/marker.rs /reg/proc-macro2-1.0.47/src/parse.rs /reg/proc-macro2-1.0.47/src/rcvec.rs /reg/proc-macro2-1.0.47/src/detection.rs /reg/proc-macro2-1.0.47/src/fallback.rs /reg/proc-macro2-1.0.47/src/wrapper.rs

/p/target/debug/deps/libproc_macro2-f5d03396c9b2531c.rlib: /reg/proc-macro2-1.0.47/src/lib.rs /reg/proc-macro2-1.0.47/src/marker.rs /reg/proc-macro2-1.0.47/src/parse.rs /reg/proc-macro2-1.0.47/src/rcvec.rs /reg/proc-macro2-1.0.47/src/detection.rs /reg/proc-macro2-1.0.47/src/fallback.rs /reg/proc-macro2-1.0.47/src/wrapper.rs

/p/target/debug/deps/libproc_macro2-f5d03396c9b2531c.rmeta: /reg/proc-macro2-1.0.47/src/lib.rs /reg/proc-macro2-1.0.47/src/marker.rs /reg/proc-macro2-1.0.47/src/parse.rs /reg/proc-macro2-1.0.47/src/rcvec.rs /reg/proc-macro2-1.0.47/src/detection.rs /reg/proc-macro2-1.0.47/src/fallback.rs /reg/proc-macro2-1.0.47/src/wrapper.rs

/reg/proc-macro2-1.0.47/src/lib.rs:
/reg/proc-macro2-1.0.47/src/marker.rs:
/reg/proc-macro2-1.0.47/src/parse.rs:
/reg/proc-macro2-1.0.47/src/rcvec.rs:
/reg/proc-macro2-1.0.47/src/detection.rs:
/reg/proc-macro2-1.0.47/src/fallback.rs:
/reg/proc-macro2-1.0.47/src/wrapper.rs:
