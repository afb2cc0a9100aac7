use clap::Parser;

fn main() -> anyhow::Result<()> {
    social_value_hub::cli::run(social_value_hub::cli::Cli::parse())
}
