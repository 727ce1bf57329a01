//! The value is baked in at compile time, so the cache key must depend on the variable.
pub const VALUE: &str = env!("CRATECACHE_TEST_VAR");
