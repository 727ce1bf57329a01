//! Reads a file outside its package without declaring it: the only rerun-if directive names
//! build.rs, and the file's path comes from CRATECACHE_TEST_INPUT, not declared either. Cargo
//! itself would not rerun this script in the same target dir when the file changes; a fresh
//! project runs it and sees the new text, so a replay must too (cratecache traces the read).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let path = std::env::var("CRATECACHE_TEST_INPUT").unwrap_or_else(|_| "/dev/null".into());
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let out = std::env::var("OUT_DIR").unwrap();
    let code = format!("pub const INPUT: &str = {:?};\n", text.trim());
    std::fs::write(format!("{out}/input.rs"), code).unwrap();
}
