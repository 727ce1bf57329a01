fn main() {
    println!("{}", envgen::FOO);
}
