pub const FOO: &str = env!("ENVGEN_FOO");
