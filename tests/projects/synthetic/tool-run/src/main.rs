fn main() {
    println!("tool: {}", toolgen::TOOL);
    println!("python: {}", toolgen::PYTHON);
}
