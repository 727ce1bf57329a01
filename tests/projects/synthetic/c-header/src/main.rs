fn main() {
    println!("choice from C: {}", hdep::choice());
}
