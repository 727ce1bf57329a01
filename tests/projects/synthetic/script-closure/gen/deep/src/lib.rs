pub fn deep() -> String {
    let value = std::env::var("CRATECACHE_TEST_GEN_DEEP").unwrap_or_else(|_| "unset".into());
    format!("deep={}", value)
}
