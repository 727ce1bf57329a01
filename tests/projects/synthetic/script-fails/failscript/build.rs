//! Fails on demand: a failed run must reach Cargo as a failure and never be stored.
fn main() {
    println!("cargo:rerun-if-env-changed=CRATECACHE_TEST_FAIL");
    if std::env::var("CRATECACHE_TEST_FAIL").as_deref() == Ok("1") {
        panic!("failscript: asked to fail by CRATECACHE_TEST_FAIL=1");
    }
    println!("cargo:rustc-env=FAILSCRIPT_STATUS=build script succeeded");
}
