pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/cratecache.test.rs"));
}

/// The generated code, so that the program shows what protoc produced.
pub const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/cratecache.test.rs"));

pub fn greeting() -> proto::Greeting {
    proto::Greeting { text: "hello".into(), count: 2 }
}
