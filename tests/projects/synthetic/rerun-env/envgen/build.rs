//! Passes CRATECACHE_TEST_FOO to the lib through cargo:rustc-env; the rerun-if-env-changed
//! directive makes its value part of the run's cache key.
fn main() {
    println!("cargo:rerun-if-env-changed=CRATECACHE_TEST_FOO");
    let foo = std::env::var("CRATECACHE_TEST_FOO").unwrap_or_else(|_| "unset".into());
    println!("cargo:rustc-env=ENVGEN_FOO={}", foo);
}
