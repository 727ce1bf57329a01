fn main() {
    println!("{}", uses_gen::GENERATED);
}
