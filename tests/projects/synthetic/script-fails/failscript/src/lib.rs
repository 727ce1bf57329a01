pub const STATUS: &str = env!("FAILSCRIPT_STATUS");
