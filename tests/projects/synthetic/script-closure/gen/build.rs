//! Declares the variable its library reads when it runs (as bindgen declares
//! BINDGEN_EXTRA_CLANG_ARGS); the library's code does not depend on it.
fn main() {
    println!("cargo:rerun-if-env-changed=CRATECACHE_TEST_GEN");
}
