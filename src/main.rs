use clap::Parser;

// A request resolves thousands of small values (a rollup by supplier is
// about 14,000 fields): under perf, glibc's allocator took about a quarter
// of the server's time on such a request, mimalloc much less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    social_value_hub::cli::run(social_value_hub::cli::Cli::parse())
}
