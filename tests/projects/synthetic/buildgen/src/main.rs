fn main() {
    println!("{}", buildgen::GENERATED);
}
