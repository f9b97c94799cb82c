//! Enough of JSON Schema (2020-12, as OpenAPI 3.1 uses it) to check real responses against
//! `openapi.json`: `$ref` (local), `type` (one or a list), `const`, `enum`, `required`,
//! `properties`, `additionalProperties: false`, `items`, `prefixItems`, `minItems`,
//! `maxItems`, `minimum`, `minLength`, `maxLength`, `oneOf`, `allOf`. Other keywords
//! (`pattern`, `format`, ...) are not checked. A full validator crate would pull in a regex
//! engine and an HTTP client for a test of a dozen responses.

use serde_json::Value;

/// The value `pointer` (`#/components/...`) names in `doc`.
pub fn resolve<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
    let path = pointer.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {pointer}"));
    doc.pointer(path).unwrap_or_else(|| panic!("dangling $ref {pointer}"))
}

/// `schema` itself, or what its `$ref` names (repeatedly).
pub fn deref<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        schema = resolve(doc, r);
    }
    schema
}

fn type_matches(name: &str, v: &Value) -> bool {
    match name {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        other => panic!("unknown type {other}"),
    }
}

/// Every violation of `schema` by `v`, each with its JSON path (empty: valid).
pub fn errors(doc: &Value, schema: &Value, v: &Value, at: &str) -> Vec<String> {
    let s = deref(doc, schema);
    let mut out = Vec::new();
    if let Some(t) = s.get("type") {
        let names: Vec<&str> = match t {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => panic!("bad type {t}"),
        };
        if !names.iter().any(|n| type_matches(n, v)) {
            out.push(format!("{at}: {v} is not of type {t}"));
            return out;
        }
    }
    if let Some(c) = s.get("const").filter(|c| *c != v) {
        out.push(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array).filter(|e| !e.contains(v)) {
        out.push(format!("{at}: {v} is not one of {e:?}"));
    }
    if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if n < min {
            out.push(format!("{at}: {n} < {min}"));
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as u64;
        if s.get("minLength").and_then(Value::as_u64).is_some_and(|m| len < m) {
            out.push(format!("{at}: {len} characters is too short"));
        }
        if s.get("maxLength").and_then(Value::as_u64).is_some_and(|m| len > m) {
            out.push(format!("{at}: {len} characters is too long"));
        }
    }
    if let Some(map) = v.as_object() {
        for key in s.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().expect("required names are strings");
            if !map.contains_key(key) {
                out.push(format!("{at}: missing required `{key}`"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (key, value) in map {
            match props.and_then(|p| p.get(key)) {
                Some(sub) => out.extend(errors(doc, sub, value, &format!("{at}.{key}"))),
                None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{at}: unexpected `{key}`"));
                }
                None => {}
            }
        }
    }
    if let Some(list) = v.as_array() {
        let len = list.len() as u64;
        if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| len < m) {
            out.push(format!("{at}: {len} items is too few"));
        }
        if s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| len > m) {
            out.push(format!("{at}: {len} items is too many"));
        }
        let prefix = s.get("prefixItems").and_then(Value::as_array);
        let prefix_len = prefix.map_or(0, Vec::len);
        for (i, item) in list.iter().enumerate() {
            let sub = prefix
                .and_then(|p| p.get(i))
                .or_else(|| s.get("items").filter(|_| i >= prefix_len));
            if let Some(sub) = sub {
                out.extend(errors(doc, sub, item, &format!("{at}[{i}]")));
            }
        }
    }
    for sub in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        out.extend(errors(doc, sub, v, at));
    }
    if let Some(options) = s.get("oneOf").and_then(Value::as_array) {
        let failures: Vec<Vec<String>> = options.iter().map(|o| errors(doc, o, v, at)).collect();
        let passing = failures.iter().filter(|f| f.is_empty()).count();
        if passing != 1 {
            out.push(format!("{at}: {passing} of the oneOf options match: {failures:?}"));
        }
    }
    out
}

#[test]
fn the_checker_refuses_what_it_should() {
    let doc = serde_json::json!({"components": {"schemas": {
        "Pair": {"type": "object", "required": ["a"], "additionalProperties": false,
                 "properties": {"a": {"type": "integer", "minimum": 0},
                                "b": {"type": ["string", "null"], "maxLength": 2}}},
        "Either": {"oneOf": [{"const": "x"}, {"$ref": "#/components/schemas/Pair"}]},
        "Tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
                  "minItems": 2, "maxItems": 2}
    }}});
    let schema = |name: &str| serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
    let check = |name: &str, v: Value| errors(&doc, &schema(name), &v, "$");
    assert!(check("Pair", serde_json::json!({"a": 1, "b": null})).is_empty());
    assert!(check("Either", serde_json::json!("x")).is_empty());
    assert!(check("Tuple", serde_json::json!(["k", 5])).is_empty());
    for (name, bad) in [
        ("Pair", serde_json::json!({"b": "x"})),
        ("Pair", serde_json::json!({"a": -1})),
        ("Pair", serde_json::json!({"a": 1, "c": 2})),
        ("Pair", serde_json::json!({"a": 1, "b": "long"})),
        ("Either", serde_json::json!("y")),
        ("Tuple", serde_json::json!([5, "k"])),
        ("Tuple", serde_json::json!(["k"])),
    ] {
        assert!(!check(name, bad.clone()).is_empty(), "{name} accepted {bad}");
    }
}
