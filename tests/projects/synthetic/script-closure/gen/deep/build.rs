//! As gen's script, one dependency further (as clang-sys declares LIBCLANG_PATH under bindgen).
fn main() {
    println!("cargo:rerun-if-env-changed=CRATECACHE_TEST_GEN_DEEP");
}
