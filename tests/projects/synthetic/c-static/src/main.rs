fn main() {
    println!("answer from C: {}", cdep::answer());
}
