/p/target/debug/deps/typenum-2da0338b58dd2c04.d: /reg/typenum-1.16.0/src/lib.rs /reg/typenum-1.16.0/src/bit.rs /reg/typenum-1.16.0/src/int.rs /reg/typenum-1.16.0/src/marker_traits.rs /reg/typenum-1.16.0/src/operator_aliases.rs /reg/typenum-1.16.0/src/private.rs /reg/typenum-1.16.0/src/type_operators.rs /reg/typenum-1.16.0/src/uint.rs /reg/typenum-1.16.0/src/array.rs /p/target/debug/build/typenum-331d9715773c529c/out/op.rs /p/target/debug/build/typenum-331d9715773c529c/out/consts.rs

/p/target/debug/deps/libtypenum-2da0338b58dd2c04.rlib: /reg/typenum-1.16.0/src/lib.rs /reg/typenum-1.16.0/src/bit.rs /reg/typenum-1.16.0/src/int.rs /reg/typenum-1.16.0/src/marker_traits.rs /reg/typenum-1.16.0/src/operator_aliases.rs /reg/typenum-1.16.0/src/private.rs /reg/typenum-1.16.0/src/type_operators.rs /reg/typenum-1.16.0/src/uint.rs /reg/typenum-1.16.0/src/array.rs /p/target/debug/build/typenum-331d9715773c529c/out/op.rs /p/target/debug/build/typenum-331d9715773c529c/out/consts.rs

/p/target/debug/deps/libtypenum-2da0338b58dd2c04.rmeta: /reg/typenum-1.16.0/src/lib.rs /reg/typenum-1.16.0/src/bit.rs /reg/typenum-1.16.0/src/int.rs /reg/typenum-1.16.0/src/marker_traits.rs /reg/typenum-1.16.0/src/operator_aliases.rs /reg/typenum-1.16.0/src/private.rs /reg/typenum-1.16.0/src/type_operators.rs /reg/typenum-1.16.0/src/uint.rs /reg/typenum-1.16.0/src/array.rs /p/target/debug/build/typenum-331d9715773c529c/out/op.rs /p/target/debug/build/typenum-331d9715773c529c/out/consts.rs

/reg/typenum-1.16.0/src/lib.rs:
/reg/typenum-1.16.0/src/bit.rs:
/reg/typenum-1.16.0/src/int.rs:
/reg/typenum-1.16.0/src/marker_traits.rs:
/reg/typenum-1.16.0/src/operator_aliases.rs:
/reg/typenum-1.16.0/src/private.rs:
/reg/typenum-1.16.0/src/type_operators.rs:
/reg/typenum-1.16.0/src/uint.rs:
/reg/typenum-1.16.0/src/array.rs:
/p/target/debug/build/typenum-331d9715773c529c/out/op.rs:
/p/target/debug/build/typenum-331d9715773c529c/out/consts.rs:

# env-dep:TYPENUM_BUILD_CONSTS=/p/target/debug/build/typenum-331d9715773c529c/out/consts.rs
# env-dep:TYPENUM_BUILD_OP=/p/target/debug/build/typenum-331d9715773c529c/out/op.rs
