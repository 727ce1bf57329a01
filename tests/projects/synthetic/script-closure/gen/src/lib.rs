/// What a dependent's build script generates: read from the environment when it runs.
pub fn generate() -> String {
    let value = std::env::var("CRATECACHE_TEST_GEN").unwrap_or_else(|_| "unset".into());
    format!("gen={} {}", value, gen_deep::deep())
}
