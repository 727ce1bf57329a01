include!(concat!(env!("OUT_DIR"), "/note.rs"));
