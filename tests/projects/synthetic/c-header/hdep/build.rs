//! Compiles src/choice.c, which includes <cratecache_choice.h> from wherever the C compiler finds
//! it first (a dir on CPATH in the tests). The script declares only its own files: that the
//! header was *not* in an earlier dir is known from the trace alone.
fn main() {
    println!("cargo:rerun-if-changed=src/choice.c");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    cc::Build::new()
        .file("src/choice.c")
        .flag(&format!("-ffile-prefix-map={}=.", dir))
        .compile("choice");
}
