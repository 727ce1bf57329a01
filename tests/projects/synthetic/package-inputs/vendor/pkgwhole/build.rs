//! Declares no rerun-if directive, so Cargo reruns it on any change in its package. It bakes the
//! names and texts of the files in templates/: which files there are is a directory listing, which
//! the input trace does not see; only keying on the whole package notices an added file.
fn main() {
    let mut names: Vec<String> = std::fs::read_dir("templates")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let parts: Vec<String> = names
        .iter()
        .map(|n| format!("{n}={}", std::fs::read_to_string(format!("templates/{n}")).unwrap().trim()))
        .collect();
    let out = std::env::var("OUT_DIR").unwrap();
    let code = format!("pub const TEMPLATES: &str = {:?};\n", parts.join(","));
    std::fs::write(format!("{out}/templates.rs"), code).unwrap();
}
