include!(concat!(env!("OUT_DIR"), "/message.rs"));
