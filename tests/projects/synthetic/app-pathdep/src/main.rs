fn main() {
    println!("{} {} {}", util::greeting(), util::cfg_flag(), util::profile());
}
