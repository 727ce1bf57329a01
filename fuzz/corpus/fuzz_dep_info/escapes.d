/p/target/debug/deps/foo-1.d: /reg/foo/src/lib.rs /reg/foo/src/a\ b.rs

/reg/foo/src/lib.rs:
/reg/foo/src/a\ b.rs:

# env-dep:MULTI=a\nb\\c
# env-dep:UNSET_VAR
