//! Prints the version of the zlib that libz-sys's pkg-config probe chose to link.
fn main() {
    // SAFETY: zlibVersion returns a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(libz_sys::zlibVersion()) };
    println!("zlib {}", version.to_str().unwrap());
}
