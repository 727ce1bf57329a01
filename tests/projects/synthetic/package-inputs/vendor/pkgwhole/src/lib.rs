include!(concat!(env!("OUT_DIR"), "/templates.rs"));
