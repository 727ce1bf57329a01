//! Declares the variable the macro reads when it expands (rustc's dep-info does not see it).
fn main() {
    println!("cargo:rerun-if-env-changed=CRATECACHE_TEST_MACRO");
}
