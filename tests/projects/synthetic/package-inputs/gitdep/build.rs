//! A git dependency's script without rerun-if directives: it bakes message.txt of its checkout.
fn main() {
    let text = std::fs::read_to_string("message.txt").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let code = format!("pub const MESSAGE: &str = {:?};\n", text.trim());
    std::fs::write(format!("{out}/message.rs"), code).unwrap();
}
