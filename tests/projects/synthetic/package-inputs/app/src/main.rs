fn main() {
    println!("pkgread: {}", pkgread::DATA);
    println!("pkgwhole: {}", pkgwhole::TEMPLATES);
    println!("provenpkg: {}", provenpkg::DATA);
    println!("gitdep: {}", gitdep::MESSAGE);
    println!("pathdep: {}", pathdep::NOTE);
    println!("anyhow: {}", anyhow::anyhow!("error value"));
}
