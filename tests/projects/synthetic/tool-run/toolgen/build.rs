//! Runs two programs by name, as scripts run protoc, cmake or python: `cratecache-test-tool`
//! (whichever comes first on PATH) and `python3 --version` (through pyenv's shim, the Python that
//! PYENV_VERSION names), and bakes what they print into the lib. It declares neither.
use std::process::Command;

fn run(program: &str, args: &[&str]) -> String {
    match Command::new(program).args(args).output() {
        Ok(out) => format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        Err(e) => format!("cannot run {program}: {}", e.kind()),
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::env::var("OUT_DIR").unwrap();
    let code = format!(
        "pub const TOOL: &str = {:?};\npub const PYTHON: &str = {:?};\n",
        run("cratecache-test-tool", &[]).trim(),
        run("python3", &["--version"]).trim()
    );
    std::fs::write(format!("{out}/tools.rs"), code).unwrap();
}
