//! A path package's script without rerun-if directives: it bakes note.txt of its package.
fn main() {
    let text = std::fs::read_to_string("note.txt").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let code = format!("pub const NOTE: &str = {:?};\n", text.trim());
    std::fs::write(format!("{out}/note.rs"), code).unwrap();
}
