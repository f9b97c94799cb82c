//! The HTTP routes as data. Each router is built from its list ([`crate::ingest::http::ROUTES`],
//! [`crate::api::ROUTES`], [`crate::archive::http::ROUTES`]) and a test compares [`all`] with
//! the paths and methods of `openapi.json` (committed, served at `GET /openapi.json`), so a
//! route cannot be served undocumented or documented unserved.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

/// The OpenAPI 3.1 document of every route.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    /// The operation key in an OpenAPI path item.
    pub fn openapi_key(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Self::Get => MethodFilter::GET,
            Self::Post => MethodFilter::POST,
            Self::Put => MethodFilter::PUT,
        }
    }
}

/// One route: its method and path, and the handler mounted for exactly that method.
pub struct Route<S> {
    pub method: Method,
    pub path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<S>,
}

impl<S> Route<S> {
    /// `handler` receives the method's filter (`|m| on(m, handler_fn)`), so the method served
    /// is the one listed.
    pub const fn new(
        method: Method,
        path: &'static str,
        handler: fn(MethodFilter) -> MethodRouter<S>,
    ) -> Self {
        Self { method, path, handler }
    }
}

/// A router serving exactly `routes`.
pub fn router<S: Clone + Send + Sync + 'static>(routes: &[Route<S>]) -> Router<S> {
    routes
        .iter()
        .fold(Router::new(), |router, r| router.route(r.path, (r.handler)(r.method.filter())))
}

/// Method and path of every route the process serves (the read API only with an RPC URL).
pub fn all() -> Vec<(Method, &'static str)> {
    let ingest = crate::ingest::http::ROUTES.iter().map(|r| (r.method, r.path));
    let api = crate::api::ROUTES.iter().map(|r| (r.method, r.path));
    let archive = crate::archive::http::ROUTES.iter().map(|r| (r.method, r.path));
    let challenges = crate::challenges::http::ROUTES.iter().map(|r| (r.method, r.path));
    ingest.chain(challenges).chain(api).chain(archive).collect()
}

/// `{"error": message}` with `status`: the one error body of the whole API.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Path parameters whose rejection is a JSON error (400) like every other error here.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> Response {
    error(rejection.status(), rejection.body_text())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn document() -> Value {
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json parses")
    }

    /// `(method, path)` of every operation in the document.
    fn documented(doc: &Value) -> BTreeSet<(String, String)> {
        let paths = doc["paths"].as_object().expect("paths");
        let mut out = BTreeSet::new();
        for (path, item) in paths {
            for key in item.as_object().expect("path item").keys() {
                if ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
                    .contains(&key.as_str())
                {
                    out.insert((key.clone(), path.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn the_document_lists_exactly_the_served_routes() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let served: BTreeSet<(String, String)> =
            all().into_iter().map(|(m, p)| (m.openapi_key().to_string(), p.to_string())).collect();
        let listed = documented(&doc);
        let undocumented: Vec<_> = served.difference(&listed).collect();
        let unserved: Vec<_> = listed.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but not in openapi.json: {undocumented:?}; \
             in openapi.json but not served: {unserved:?}"
        );
        assert_eq!(served.len(), all().len(), "a route is listed twice");
    }

    /// Every `$ref` in `v` resolves in `doc`.
    fn check_refs(doc: &Value, v: &Value, dangling: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    let found = r.strip_prefix('#').and_then(|p| doc.pointer(p));
                    if found.is_none() {
                        dangling.push(r.to_string());
                    }
                }
                map.values().for_each(|v| check_refs(doc, v, dangling));
            }
            Value::Array(list) => list.iter().for_each(|v| check_refs(doc, v, dangling)),
            _ => {}
        }
    }

    #[test]
    fn every_operation_declares_its_path_parameters_and_every_ref_resolves() {
        let doc = document();
        let mut dangling = Vec::new();
        check_refs(&doc, &doc, &mut dangling);
        assert!(dangling.is_empty(), "dangling $refs: {dangling:?}");
        for (method, path) in all() {
            let op = &doc["paths"][path][method.openapi_key()];
            let declared: BTreeSet<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => doc.pointer(&r[1..]).expect("resolves").clone(),
                    None => p.clone(),
                })
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().expect("name").to_string())
                .collect();
            let in_path: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(str::to_string)
                .collect();
            assert_eq!(declared, in_path, "{method:?} {path}");
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method:?} {path}: no 2xx");
        }
    }
}
