extern "C" {
    fn cratecache_choice() -> i32;
}

pub fn choice() -> i32 {
    // SAFETY: a C function without arguments or side effects.
    unsafe { cratecache_choice() }
}
