fn main() {
    println!("{}", filegen::DATA);
}
