//! Reads data.txt in its own package without declaring it: the only directive names build.rs. In
//! a fresh project Cargo runs the script over the file as it is now.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string("data.txt").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let code = format!("pub const DATA: &str = {:?};\n", text.trim());
    std::fs::write(format!("{out}/data.rs"), code).unwrap();
}
