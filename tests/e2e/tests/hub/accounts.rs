use crate::support::{Hub, unique};
use serde_json::json;

#[test]
fn signup_login_and_me() {
    let hub = Hub::from_env();
    let handle = unique("acct");
    let email = format!("{handle}@Example.com");
    let r =
        hub.post("/api/v1/auth/signup", None, &json!({"email": email, "password": "s3cret-pass", "handle": handle}));
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["seller"]["handle"], handle.to_lowercase());
    let r = hub.post("/api/v1/auth/login", None, &json!({"email": email.to_lowercase(), "password": "s3cret-pass"}));
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let me = hub.get("/api/v1/auth/me", Some(&token)).json();
    assert_eq!(me["id"], v["seller"]["id"]);

    let again = hub.post(
        "/api/v1/auth/signup",
        None,
        &json!({"email": email, "password": "s3cret-pass", "handle": unique("other")}),
    );
    assert_eq!((again.status, again.error_code().as_str()), (409, "email_taken"));
    let again = hub.post(
        "/api/v1/auth/signup",
        None,
        &json!({"email": format!("x{email}"), "password": "s3cret-pass", "handle": handle}),
    );
    assert_eq!((again.status, again.error_code().as_str()), (409, "handle_taken"));
    let wrong = hub.post("/api/v1/auth/login", None, &json!({"email": email, "password": "wrong-pass"}));
    assert_eq!((wrong.status, wrong.error_code().as_str()), (401, "invalid_credentials"));
    let nobody = hub.post("/api/v1/auth/login", None, &json!({"email": "nobody@example.com", "password": "whatever1"}));
    assert_eq!((nobody.status, nobody.error_code().as_str()), (401, "invalid_credentials"));
}

#[test]
fn signup_validates_input() {
    let hub = Hub::from_env();
    let cases = [
        (json!({"email": "not-an-email", "password": "long-enough", "handle": "okhandle"}), "invalid_email"),
        (json!({"email": "a@b.co", "password": "short", "handle": "okhandle"}), "weak_password"),
        (json!({"email": "a@b.co", "password": "long-enough", "handle": "no spaces!"}), "invalid_handle"),
        (json!({"email": "a@b.co"}), "invalid_json"),
    ];
    for (body, code) in cases {
        let r = hub.post("/api/v1/auth/signup", None, &body);
        assert_eq!((r.status, r.error_code()), (400, code.to_owned()), "{body}");
    }
}

#[test]
fn tokens_are_required_and_checked() {
    let hub = Hub::from_env();
    let r = hub.get("/api/v1/ingestion/jobs", None);
    assert_eq!((r.status, r.error_code().as_str()), (401, "unauthorized"));
    let (token, _) = hub.seller();
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(hub.get("/api/v1/ingestion/jobs", Some(&tampered)).status, 401);
    assert_eq!(hub.get("/api/v1/ingestion/jobs", Some("not.a.jwt")).status, 401);
    assert_eq!(hub.get("/api/v1/ingestion/jobs", Some(&token)).status, 200);
}

#[test]
fn identity_header_from_outside_is_ignored() {
    let hub = Hub::from_env();
    let (_, victim) = hub.seller();
    let (token, _) = hub.seller();
    let r = hub.request("GET", "/api/v1/auth/me", Some(&token), &[("x-linkhub-seller-id", &victim)], None);
    assert_ne!(r.json()["id"].as_str(), Some(victim.as_str()));
    let r = hub.request("GET", "/api/v1/ingestion/jobs", None, &[("x-linkhub-seller-id", &victim)], None);
    assert_eq!(r.status, 401);
}

#[test]
fn api_keys_are_created_used_listed_and_revoked() {
    let hub = Hub::from_env();
    let (token, seller) = hub.seller();
    let r = hub.post("/api/v1/auth/api-keys", Some(&token), &json!({"name": "bulk import"}));
    assert_eq!(r.status, 201);
    let created = r.json();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("lh_") && key.len() > 40);
    let me = hub.get("/api/v1/auth/me", Some(&key));
    assert_eq!(me.json()["id"], seller);
    let list = hub.get("/api/v1/auth/api-keys", Some(&token)).json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0].get("key").is_none(), "the key itself is shown only once");
    assert!(items[0]["last_used_at"].is_i64());
    let id = created["id"].as_str().unwrap();
    let (other, _) = hub.seller();
    assert_eq!(hub.request("DELETE", &format!("/api/v1/auth/api-keys/{id}"), Some(&other), &[], None).status, 404);
    assert_eq!(hub.request("DELETE", &format!("/api/v1/auth/api-keys/{id}"), Some(&token), &[], None).status, 204);
    let r = hub.get("/api/v1/auth/me", Some(&key));
    assert_eq!(r.status, 401);
}
