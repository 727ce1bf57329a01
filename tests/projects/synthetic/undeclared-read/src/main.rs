fn main() {
    println!("{}", readgen::INPUT);
}
