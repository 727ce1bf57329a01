fn main() {
    println!("{}", envdep::VALUE);
}
