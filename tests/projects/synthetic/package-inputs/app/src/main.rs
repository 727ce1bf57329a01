fn main() {
    println!("pkgread: {}", pkgread::DATA);
    println!("pkgwhole: {}", pkgwhole::TEMPLATES);
    println!("provenpkg: {}", provenpkg::DATA);
    println!("gitdep: {}", gitdep::MESSAGE);
    println!("anyhow: {}", anyhow::anyhow!("error value"));
}
