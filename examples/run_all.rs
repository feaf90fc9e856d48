use std::path::Path;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let m = firedrill::spec::load_model(Path::new(&args[1])).unwrap_or_else(|e| panic!("{e}"));
    let s = firedrill::spec::load_scenario(Path::new(&args[2])).unwrap_or_else(|e| panic!("{e}"));
    let seed: u64 = args.get(3).map(|x| x.parse().unwrap()).unwrap_or(1);
    let t = std::time::Instant::now();
    let r = firedrill::run::run(&m, &s, seed).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("wall {:?}", t.elapsed());
    println!("{r:#?}");
}
