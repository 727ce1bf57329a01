include!(concat!(env!("OUT_DIR"), "/data.rs"));
