fn main() {
    println!("{}", envmacro::expansion_env!());
}
