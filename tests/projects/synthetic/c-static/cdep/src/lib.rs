extern "C" {
    fn cratecache_answer() -> i32;
}

pub fn answer() -> i32 {
    // SAFETY: a C function without arguments or side effects.
    unsafe { cratecache_answer() }
}
