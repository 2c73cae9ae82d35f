//! The native `leverlab` command line. All logic lives in `leverlab::cli`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let terminals = leverlab::cli::Terminals {
        stdout: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr())
            .then(|| std::rc::Rc::new(std::cell::RefCell::new(std::io::stderr())) as std::rc::Rc<std::cell::RefCell<dyn std::io::Write>>),
    };
    let code = leverlab::cli::run_in(&args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr(), terminals);
    std::process::exit(code);
}
