//! `lotse import areas`: the shipped example directory imports into the demo; a bad file is
//! one clear message naming file, line and column, and a non-zero exit.

use crate::server::lotse;

async fn run(args: &[&str]) -> (i32, String, String) {
    let out = lotse().args(args).output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_example_directory_imports_and_a_bad_file_is_named_by_line_and_column() {
    let dir = std::env::temp_dir().join(format!("lotse-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    let url = format!("sqlite:{}/lotse.db", dir.display());
    let (code, _, stderr) = run(&["demo", "--scale", "1", "--database-url", &url]).await;
    assert_eq!(code, 0, "{stderr}");
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/areas/duesseldorf");
    let (code, stdout, stderr) = run(&[
        "import",
        "areas",
        examples,
        "--programme",
        "duesseldorf",
        "--database-url",
        &url,
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("duesseldorf: 0 area set(s) created, 0 area(s) added, 0 changed, 31 postcode(s) written"),
        "{stdout}"
    );

    let import = |path: &std::path::Path| {
        let (path, url) = (path.to_str().unwrap().to_owned(), url.clone());
        async move {
            run(&[
                "import",
                "areas",
                &path,
                "--programme",
                "duesseldorf",
                "--database-url",
                &url,
            ])
            .await
        }
    };
    let bad = dir.join("postcodes.csv");
    std::fs::write(&bad, "postcode,lat,lon\n40210,151.2,6.7\n").unwrap();
    let (code, _, stderr) = import(&bad).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("nothing was imported; 1 problem(s)"), "{stderr}");
    assert!(
        stderr.contains("postcodes.csv, line 2, column lat: coordinates out of range"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, _, stderr) = import(&empty).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("holds none of areas.csv, postcodes.csv"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_licensed_wording_imports_and_a_wrong_one_is_refused_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("lotse-import-instrument-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    let url = format!("sqlite:{}/lotse.db", dir.display());
    let (code, _, stderr) = run(&["demo", "--scale", "1", "--database-url", &url]).await;
    assert_eq!(code, 0, "{stderr}");
    // Placeholder texts: the licensed SWEMWBS wording is never in the repository.
    let wording = |items: usize| {
        serde_json::json!({
            "source": "SWEMWBS, licence of the programme (placeholder texts)",
            "items": (1..=items).map(|n| format!("Item {n}")).collect::<Vec<_>>(),
            "responses": (1..=5).map(|v| (v, format!("Answer {v}"))).collect::<Vec<_>>(),
        })
        .to_string()
    };
    let file = dir.join("swemwbs-de.json");
    let import = |instrument: &'static str, path: std::path::PathBuf| {
        let url = url.clone();
        async move {
            let path = path.to_str().unwrap().to_owned();
            run(&[
                "import",
                "instrument",
                &path,
                "--programme",
                "duesseldorf",
                "--instrument",
                instrument,
                "--language",
                "de",
                "--database-url",
                &url,
            ])
            .await
        }
    };
    std::fs::write(&file, wording(6)).unwrap();
    let (code, _, stderr) = import("swemwbs", file.clone()).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("items: 7 texts are needed (one per item, in item order), the file has 6"),
        "{stderr}"
    );
    let (code, _, stderr) = import("who5", file.clone()).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("who5 has built-in validated texts and is not imported"),
        "{stderr}"
    );
    let (code, _, stderr) = import("nonsense", file.clone()).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown instrument \"nonsense\""), "{stderr}");
    std::fs::write(&file, wording(7)).unwrap();
    let (code, stdout, stderr) = import("swemwbs", file.clone()).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("duesseldorf: the swemwbs wording in de is imported"),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
