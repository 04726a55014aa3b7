//! The platform manifests against the route table and the configuration roles: a route the
//! table holds but wrangler.toml or spin.toml sends elsewhere (to the dashboard's single-page
//! fallback, say) fails here, and so does a Spin component whose declared variables differ from
//! what its role reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use linkhub_core::config::{Role, variables_of};
use linkhub_core::routes::{ROUTES, Service};

fn manifest(name: &str) -> toml::Table {
    let path = format!("{}/../../{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap().parse().unwrap()
}

/// A route path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "x1" } else { seg }).collect::<Vec<_>>().join("/")
}

/// Workers assets: `run_worker_first` decides which paths reach the gateway Worker; everything
/// else is a static file or the single-page fallback.
#[test]
fn wrangler_sends_every_workers_route_to_the_gateway() {
    let wrangler = manifest("wrangler.toml");
    let patterns: Vec<String> = wrangler["assets"]["run_worker_first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let reaches_worker = |path: &str| {
        patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == p,
        })
    };
    for r in ROUTES.iter().filter(|r| !matches!(r.service, Service::Drain | Service::Stage)) {
        assert!(reaches_worker(&concrete(r.path)), "{} {} would be served by the dashboard fallback", r.method, r.path);
    }
    for p in &patterns {
        let covered = ROUTES.iter().any(|r| match p.strip_suffix('*') {
            Some(prefix) => r.path.starts_with(prefix),
            None => r.path == p,
        });
        assert!(covered, "run_worker_first has {p}, which no route uses");
    }
}

/// Spin's router: an exact route first, then the longest `/...` prefix; private routes are
/// reachable only by service chaining.
fn spin_component_for(spin: &toml::Table, path: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for t in spin["trigger"]["http"].as_array().unwrap() {
        let Some(route) = t["route"].as_str() else { continue };
        let component = t["component"].as_str().unwrap().to_owned();
        if route == path {
            return Some(component);
        }
        if let Some(prefix) = route.strip_suffix("/...")
            && (path == prefix || path.starts_with(&format!("{prefix}/")))
            && best.as_ref().is_none_or(|(len, _)| prefix.len() >= *len)
        {
            best = Some((prefix.len(), component));
        }
    }
    best.map(|(_, c)| c)
}

#[test]
fn spin_routes_every_public_route_to_its_component() {
    let spin = manifest("spin.toml");
    for r in ROUTES.iter() {
        let want = match r.service {
            Service::Gateway
            | Service::Ingest
            | Service::Products
            | Service::Storefront
            | Service::Media
            | Service::Whatsapp => "gateway",
            Service::Drain => "drain",
            // Reached only over local chaining: public triggers must not send it to a stage.
            Service::Stage => continue,
        };
        let got = spin_component_for(&spin, &concrete(r.path));
        assert_eq!(got.as_deref(), Some(want), "{} {}", r.method, r.path);
    }
    assert_eq!(spin_component_for(&spin, "/some/dashboard/page").as_deref(), Some("dashboard"));
}

/// What each Spin component plays; its `[component.*.variables]` must be exactly those roles'
/// variables (lower-case), and every one must be an application variable.
const SPIN_ROLES: [(&str, &[Role]); 11] = [
    ("gateway", &[Role::Gateway]),
    ("ingest", &[Role::Ingest]),
    ("products", &[]),
    ("storefront", &[]),
    ("metadata", &[Role::Metadata]),
    ("caption-parser", &[Role::Stage]),
    ("auto-tagger", &[Role::Stage]),
    ("thumbnailer", &[Role::Stage]),
    ("drain", &[Role::Drain]),
    ("whatsapp", &[Role::Whatsapp]),
    ("dashboard", &[]),
];

#[test]
fn spin_components_declare_exactly_the_variables_their_roles_read() {
    let spin = manifest("spin.toml");
    let app_vars = spin["variables"].as_table().unwrap();
    let components = spin["component"].as_table().unwrap();
    assert_eq!(components.len(), SPIN_ROLES.len(), "a component without a role here");
    for (name, roles) in SPIN_ROLES {
        let declared: Vec<String> = components[name]
            .get("variables")
            .and_then(|v| v.as_table())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        let mut want: Vec<String> = variables_of(roles).iter().map(|v| v.to_ascii_lowercase()).collect();
        let mut declared_sorted = declared.clone();
        want.sort();
        declared_sorted.sort();
        assert_eq!(declared_sorted, want, "component {name}");
        for v in &declared {
            assert!(app_vars.contains_key(v), "component {name} uses {v}, which is not an application variable");
        }
    }
}

/// One outbound allow-list: the metadata component may call exactly the core's TikTok hosts
/// (and the sandbox origin variable, which defaults to nothing real).
#[test]
fn spin_outbound_hosts_are_the_cores_allow_list() {
    let spin = manifest("spin.toml");
    let hosts: Vec<String> = spin["component"]["metadata"]["allowed_outbound_hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    let mut want: Vec<String> = linkhub_core::outbound::tiktok_hosts().iter().map(|h| format!("https://{h}")).collect();
    want.push("{{ sandbox_origin }}".to_owned());
    assert_eq!(hosts, want);
    let default = spin["variables"]["sandbox_origin"]["default"].as_str().unwrap();
    assert!(default.ends_with(".invalid"), "the sandbox origin must default to nothing: {default}");
}
