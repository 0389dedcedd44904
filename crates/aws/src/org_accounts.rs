//! The organization's accounts for `custodian org accounts`: the OU subtrees asked for (by path
//! or id), walked with `ListOrganizationalUnitsForParent`, their accounts with
//! `ListAccountsForParent` and each account's tags with `ListTagsForResource`, as c7n-org's
//! `orgaccounts.py` does.

use aws_sdk_organizations::Client;
use custodian_core::org::discover::Discovered;

/// Every account under each of `ous` (`/`, `/prod/payments`, or an id `ou-...`/`r-...`).
pub async fn list(client: &Client, ous: &[String]) -> Result<Vec<Discovered>, String> {
    let roots = client.list_roots().send().await.map_err(|e| describe("ListRoots", &e))?;
    let root = roots
        .roots()
        .first()
        .and_then(|r| r.id())
        .ok_or("ListRoots: the organization has no root")?
        .to_string();
    let mut found: Vec<Discovered> = Vec::new();
    for ou in ous {
        let (id, path) = resolve(client, &root, ou).await?;
        for (id, path) in subtree(client, id, path).await? {
            for a in accounts(client, &id, &path).await? {
                if !found.iter().any(|f| f.id == a.id) {
                    found.push(a);
                }
            }
        }
    }
    Ok(found)
}

fn describe<E: aws_sdk_organizations::error::ProvideErrorMetadata + std::error::Error + 'static>(
    op: &str,
    e: &aws_sdk_organizations::error::SdkError<E>,
) -> String {
    use aws_sdk_organizations::error::ProvideErrorMetadata;
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("organizations.{op}: {c}: {m}"),
        _ => format!("organizations.{op}: {}", aws_sdk_organizations::error::DisplayErrorContext(e)),
    }
}

/// An OU given by path (names from the root) or by id, with its path.
async fn resolve(client: &Client, root: &str, ou: &str) -> Result<(String, String), String> {
    if ou.starts_with("ou-") || ou.starts_with("r-") {
        let path = if ou == root { "/".to_string() } else { format!("/{ou}") };
        return Ok((ou.to_string(), path));
    }
    let mut id = root.to_string();
    for part in ou.trim_matches('/').split('/').filter(|p| !p.is_empty()) {
        let children = children(client, &id).await?;
        id = children
            .into_iter()
            .find(|(_, name)| name == part)
            .map(|(i, _)| i)
            .ok_or_else(|| format!("--ou {ou}: no OU named '{part}' there"))?;
    }
    Ok((id, format!("/{}", ou.trim_matches('/'))))
}

/// The OUs directly under `parent`: (id, name).
async fn children(client: &Client, parent: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut pages = client
        .list_organizational_units_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe("ListOrganizationalUnitsForParent", &e))?;
        for ou in page.organizational_units() {
            out.push((ou.id().unwrap_or_default().to_string(), ou.name().unwrap_or_default().to_string()));
        }
    }
    Ok(out)
}

/// `id` and every OU below it, with their paths.
async fn subtree(client: &Client, id: String, path: String) -> Result<Vec<(String, String)>, String> {
    let mut out = vec![(id, path)];
    let mut i = 0;
    while i < out.len() {
        let (parent, parent_path) = out[i].clone();
        for (child, name) in children(client, &parent).await? {
            out.push((child, format!("/{}/{name}", parent_path.trim_matches('/')).replace("//", "/")));
        }
        i += 1;
    }
    Ok(out)
}

/// The accounts directly in `parent`, with their tags.
async fn accounts(client: &Client, parent: &str, path: &str) -> Result<Vec<Discovered>, String> {
    let mut out = Vec::new();
    let mut pages = client.list_accounts_for_parent().parent_id(parent).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe("ListAccountsForParent", &e))?;
        for a in page.accounts() {
            let id = a.id().unwrap_or_default().to_string();
            let mut tags = Vec::new();
            let mut tag_pages = client.list_tags_for_resource().resource_id(&id).into_paginator().send();
            while let Some(t) = tag_pages.next().await {
                let t = t.map_err(|e| describe("ListTagsForResource", &e))?;
                tags.extend(t.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())));
            }
            #[allow(deprecated)]
            let state = a
                .state()
                .map(|s| s.as_str().to_string())
                .or_else(|| a.status().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            out.push(Discovered {
                id,
                arn: a.arn().unwrap_or_default().to_string(),
                email: a.email().unwrap_or_default().to_string(),
                name: a.name().unwrap_or_default().to_string(),
                state,
                path: path.to_string(),
                tags,
            });
        }
    }
    Ok(out)
}
