//! Bakes data.txt into OUT_DIR/data.rs; the rerun-if-changed directive makes the file's content
//! part of the run's cache key, so an edit must rerun the script instead of replaying it.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=data.txt");
    let data = fs::read_to_string("data.txt").unwrap();
    let code = format!("pub const DATA: &str = {:?};\n", data.trim());
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("data.rs"), code).unwrap();
}
