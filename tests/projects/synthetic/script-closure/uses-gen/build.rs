//! Generates code by calling `gen` when it runs: what gen's and gen-deep's own build scripts
//! declared (rerun-if-env-changed) decides this run's output, though no rlib changes with it.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("generated.rs");
    let code = format!("pub const GENERATED: &str = {:?};\n", gen::generate());
    std::fs::write(out, code).unwrap();
}
