fn main() {
    let version = unsafe { zstd_sys::ZSTD_versionNumber() };
    println!("zstd {}", version);
}
