//! prost-build generates Rust from proto/greeting.proto with the `protoc` it finds on PATH (the
//! `which` crate; PROTOC unset). The script declares the .proto file, not the compiler.
fn main() {
    println!("cargo:rerun-if-changed=proto/greeting.proto");
    prost_build::compile_protos(&["proto/greeting.proto"], &["proto/"]).unwrap();
}
