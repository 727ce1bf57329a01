fn main() {
    println!("{:?}", protogen::greeting());
    println!("generated: {} bytes", protogen::GENERATED.len());
}
