//! Every input the tests mutate (source text, cfg, profile) shows up in the output, so a wrongly
//! served cache entry is visible when the app runs.

pub fn greeting() -> &'static str {
    "hello from util"
}

pub fn cfg_flag() -> &'static str {
    if cfg!(cratecache_test) { "cfg-on" } else { "cfg-off" }
}

pub fn profile() -> &'static str {
    if cfg!(debug_assertions) { "debug" } else { "release" }
}
