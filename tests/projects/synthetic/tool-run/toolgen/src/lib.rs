include!(concat!(env!("OUT_DIR"), "/tools.rs"));
