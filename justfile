# Everyday commands (https://github.com/casey/just); each is also a plain cargo command.

# The lint gates CI runs before the tests.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

# Format, and apply clippy's machine-applicable fixes.
fix:
    cargo fmt --all
    cargo clippy --workspace --all-targets --fix --allow-dirty

# The suite on SQLite.
test:
    cargo test

# The suite on SQLite and on PostgreSQL (each test in a database of its own).
test-pg url="postgres://postgres@127.0.0.1:5432/test":
    SVH_TEST_POSTGRES_URL={{url}} cargo test

# The benchmarks (minutes, most of the machine; not in CI).
bench url="postgres://postgres@127.0.0.1:5432/test":
    SVH_BENCH_POSTGRES_URL={{url}} bench/import.sh medium large
    SVH_BENCH_POSTGRES_URL={{url}} bench/rollup.sh "medium large" 200
