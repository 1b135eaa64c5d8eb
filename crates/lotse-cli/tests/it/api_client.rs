//! `lotse api-client add | list | revoke` through the real binary.

use lotse_store::on_pool;
use lotse_testkit::storage_test;

use crate::server::lotse;

async fn run(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = lotse().args(args).args(["--database-url", url]).output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

storage_test!(async fn an_api_client_token_is_printed_once_and_stored_only_as_its_hash(db) {
    db.programme("p-one").await;
    let url = db.url.expose().to_owned();
    let (code, out, err) = run(&url, &["api-client", "add", "--programme", "p-one", "--name", "dsr-bridge", "--role", "coordinator", "--scopes", "export:read"]).await;
    assert_eq!(code, 0, "{err}");
    let token = out.trim().to_owned();
    assert!(token.starts_with("lotse_") && token.len() == 70, "{out}");
    assert!(err.contains("created API client dsr-bridge"), "{err}");
    let stored: Vec<String> = on_pool!(&db.db, p => sqlx::query_scalar("select token_hash from api_client").fetch_all(p).await).unwrap();
    assert_eq!(stored, vec![lotse_app::auth::token_hash(&token)]);
    assert_ne!(stored[0], token);

    let (code, out, _) = run(&url, &["api-client", "list", "--programme", "p-one"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("dsr-bridge") && out.contains("coordinator\texport:read\tlive"), "{out}");

    let (code, out, err) = run(&url, &["api-client", "revoke", "--programme", "p-one", "dsr-bridge"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("revoked API client dsr-bridge"), "{out}");
    let (_, out, _) = run(&url, &["api-client", "list", "--programme", "p-one"]).await;
    assert!(out.contains("\trevoked"), "{out}");
    let (code, _, err) = run(&url, &["api-client", "revoke", "--programme", "p-one", "dsr-bridge"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no live API client named \"dsr-bridge\""), "{err}");
});

storage_test!(async fn api_client_add_refuses_bad_input_in_one_line_and_writes_nothing(db) {
    db.programme("p-one").await;
    let url = db.url.expose().to_owned();
    for (args, message) in [
        (vec!["--role", "coordinator", "--scopes", "worklist:read", "--name", "x"], "the role coordinator may never use the scope worklist:read"),
        (vec!["--role", "coordinator", "--scopes", "case:write", "--name", "x"], "unknown scope \"case:write\""),
        (vec!["--role", "coordinator", "--scopes", "", "--name", "x"], "give at least one scope"),
        (vec!["--role", "coordinator", "--scopes", "export:read", "--name", "Not A Name"], "a client name has 1 to 64 characters"),
        (vec!["--role", "link-worker", "--scopes", "case:read", "--name", "x"], "give --organisation NAME"),
        (vec!["--role", "link-worker", "--scopes", "case:read", "--name", "x", "--organisation", "Nowhere"], "no organisation named \"Nowhere\""),
    ] {
        let mut all = vec!["api-client", "add", "--programme", "p-one"];
        all.extend(args);
        let (code, out, err) = run(&url, &all).await;
        assert_eq!(code, 1, "{all:?}: {err}");
        assert!(out.is_empty(), "no token: {out}");
        assert!(err.contains(message), "{all:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = run(&url, &["api-client", "add", "--programme", "nope", "--name", "x", "--role", "coordinator", "--scopes", "export:read"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no programme \"nope\""), "{err}");
    let n: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from api_client").fetch_one(p).await).unwrap();
    assert_eq!(n, 0);
});
