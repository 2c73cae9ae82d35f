//! The native `leverlab` command line. All logic lives in `leverlab::cli`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let code = leverlab::cli::run_on(&args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr(), terminal);
    std::process::exit(code);
}
