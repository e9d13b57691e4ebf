//! The OpenAPI document describes every route the families serve.

use webox_e2e::{repo_root, site};

/// (method, path) of every route in every family's route table.
fn routed() -> Vec<(String, String)> {
    let re = regex::Regex::new(r#"(?m)^\s*(Get|Post|Put|Patch|Delete)\s+"(/api/[^"]+)"\s*=>"#).unwrap();
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("functions")).unwrap() {
        let lib = entry.unwrap().path().join("src/lib.rs");
        let Ok(source) = std::fs::read_to_string(&lib) else { continue };
        for c in re.captures_iter(&source) {
            routes.push((c[1].to_lowercase(), c[2].to_owned()));
        }
    }
    routes
}

#[test]
fn every_routed_path_is_documented() {
    let routes = routed();
    assert!(routes.len() >= 19, "found only {} routes: the pattern no longer matches the route tables?", routes.len());
    let doc = site().client().get("/api/openapi.json").expect(200);
    assert_eq!(doc["openapi"], "3.1.0");
    let missing: Vec<String> = routes
        .iter()
        .filter(|(method, path)| doc["paths"][path.as_str()][method.as_str()].is_null())
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "routes missing from functions/gateway/openapi.json: {missing:?}");
}

#[test]
fn every_documented_operation_exists() {
    let routes = routed();
    let doc = site().client().get("/api/openapi.json").expect(200);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str())) {
            assert!(routes.contains(&(method.clone(), path.clone())), "documented but not routed: {method} {path}");
        }
    }
}
