//! The SeaORM error message `docs/troubleshooting.md` quotes for an unreachable server, produced
//! for real and compared with the quote.

use std::time::Duration;

use auth_core::Schema;

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused() {
    for url in ["postgres://postgres@127.0.0.1:1/app", "mysql://root@127.0.0.1:1/app"] {
        let mut options = auth_seaorm::options(url);
        options.acquire_timeout(Duration::from_secs(2));
        let err = auth_seaorm::connect_with(options, Schema::better_auth()).await.expect_err("nothing listens on port 1");
        assert_eq!(
            err.to_string(),
            "connection error: cannot connect: Connection Error: pool timed out while waiting for an open connection",
            "{url}"
        );
    }
}
