mymacro::answer_fn!();

fn main() {
    println!("answer {}", answer());
}
