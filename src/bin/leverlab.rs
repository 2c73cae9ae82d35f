//! The native `leverlab` command line. All logic lives in `leverlab::cli`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = leverlab::cli::run(&args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
