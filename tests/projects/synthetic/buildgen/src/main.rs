fn main() {
    println!("{} | {} | {}", buildgen::GENERATED, buildgen::RUSTC_VERSION, buildgen::BUILD_VAR);
}
