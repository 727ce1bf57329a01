fn main() {
    println!("{}", failscript::STATUS);
}
