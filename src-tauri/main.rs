// One binary serves the window and the headless CLI, so it stays a console program on
// Windows: the "windows" subsystem would swallow every line the CLI prints.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = webmsg_desk::cli::Cli::parse();
    if cli.command.is_none() {
        return webmsg_desk::app::run();
    }
    webmsg_desk::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(webmsg_desk::cli::run(cli))
}
