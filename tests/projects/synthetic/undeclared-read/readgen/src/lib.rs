include!(concat!(env!("OUT_DIR"), "/input.rs"));
