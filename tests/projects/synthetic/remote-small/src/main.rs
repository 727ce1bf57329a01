// Three small registry dependencies, each a cacheable unit: the remote tier's test project.
use fnv::FnvHashMap;
use smallvec::SmallVec;

fn main() {
    let mut counts: FnvHashMap<&str, u32> = FnvHashMap::default();
    for word in "a b a c b a".split(' ') {
        *counts.entry(word).or_default() += 1;
    }
    let mut words: SmallVec<[(&str, u32); 4]> = counts.into_iter().collect();
    words.sort();
    let mut buf = itoa::Buffer::new();
    for (word, n) in words {
        println!("{word} {}", buf.format(n));
    }
}
