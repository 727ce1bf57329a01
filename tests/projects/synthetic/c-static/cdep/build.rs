//! Compiles src/answer.c into OUT_DIR/libanswer.a with the cc crate, which picks $CC (or cc): the
//! run's key includes that compiler by content. rerun-if-env-changed=CC makes Cargo rerun the
//! script when CC changes (newer cc crates print it themselves; 1.0.73 does not). The prefix map
//! keeps the package's absolute path out of the debug info: a binary in OUT_DIR embedding it is
//! never cached (`embedded_path`).
fn main() {
    println!("cargo:rerun-if-changed=src/answer.c");
    println!("cargo:rerun-if-env-changed=CC");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    cc::Build::new()
        .file("src/answer.c")
        .flag(&format!("-ffile-prefix-map={}=.", dir))
        .compile("answer");
}
