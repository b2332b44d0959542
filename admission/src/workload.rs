//! Which images an admitted object runs: every container, initContainer and ephemeralContainer
//! of a Pod (k8s.io/api `core/v1` `PodSpec`), and of the pod template of a Deployment,
//! ReplicaSet, StatefulSet, DaemonSet (`apps/v1`, `spec.template`), Job (`batch/v1`,
//! `spec.template`) or CronJob (`batch/v1`, `spec.jobTemplate.spec.template`), each with the
//! JSON pointer (RFC 6901) of its `image` field, which the mutating webhook patches.
//!
//! Only `CREATE` and `UPDATE` of those kinds (and of the `pods/ephemeralcontainers`
//! subresource, whose object is the Pod) are understood; anything else is
//! [`WorkloadError::Unknown`], which the server denies unless configured to let it pass. A
//! container without a string `image`, or more than [`MAX_CONTAINERS`] containers, is refused.

use serde_json::Value;

use crate::review::AdmissionRequest;

/// The most containers (of all three lists) one object may name.
pub const MAX_CONTAINERS: usize = 256;

/// Which list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    /// `containers`.
    Container,
    /// `initContainers`.
    InitContainer,
    /// `ephemeralContainers`.
    EphemeralContainer,
}

impl ContainerKind {
    const ALL: [(Self, &'static str); 3] = [(Self::InitContainer, "initContainers"), (Self::Container, "containers"), (Self::EphemeralContainer, "ephemeralContainers")];
}

/// One image an object runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageSite {
    /// The JSON pointer of the `image` field (`/spec/template/spec/containers/0/image`).
    pub pointer: String,
    /// The container's name.
    pub container: String,
    /// Its list.
    pub kind: ContainerKind,
    /// The image, as written.
    pub image: String,
}

/// Why an object's images could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkloadError {
    /// A kind, subresource or operation this webhook does not decide.
    #[error("{0}: not a workload sealcheck decides (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob; CREATE or UPDATE)")]
    Unknown(String),
    /// The object does not have the shape of its kind.
    #[error("{kind} {pointer}: {problem}")]
    Malformed {
        /// The kind.
        kind: String,
        /// Where.
        pointer: String,
        /// What is wrong.
        problem: String,
    },
    /// Over [`MAX_CONTAINERS`].
    #[error("{kind}: more than {MAX_CONTAINERS} containers")]
    TooMany {
        /// The kind.
        kind: String,
    },
}

/// Where the pod spec of `group/kind` is, as pointer segments.
fn pod_spec_path(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    Some(match (group, kind) {
        ("", "Pod") => &["spec"],
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") | ("batch", "Job") => &["spec", "template", "spec"],
        ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// The images `request` would run, in pointer order (initContainers, containers,
/// ephemeralContainers).
pub fn images(request: &AdmissionRequest) -> Result<Vec<ImageSite>, WorkloadError> {
    let k = &request.kind;
    let what = format!("{} {}/{} {} (resource {}{})", request.operation, if k.group.is_empty() { "core" } else { &k.group }, k.version, k.kind, request.resource.resource, if request.sub_resource.is_empty() { String::new() } else { format!("/{}", request.sub_resource) });
    let decided = matches!(request.operation.as_str(), "CREATE" | "UPDATE")
        && k.version == "v1"
        && (request.sub_resource.is_empty() || (k.group.is_empty() && k.kind == "Pod" && request.sub_resource == "ephemeralcontainers"));
    let path = pod_spec_path(&k.group, &k.kind).filter(|_| decided).ok_or(WorkloadError::Unknown(what))?;
    let malformed = |pointer: String, problem: &str| WorkloadError::Malformed { kind: k.kind.clone(), pointer, problem: problem.into() };
    let mut spec = &request.object;
    let mut pointer = String::new();
    for segment in path {
        pointer = format!("{pointer}/{segment}");
        spec = spec.get(segment).ok_or_else(|| malformed(pointer.clone(), "missing"))?;
    }
    if !spec.is_object() {
        return Err(malformed(pointer, "not an object"));
    }
    let mut out = Vec::new();
    for (kind, list) in ContainerKind::ALL {
        let at = format!("{pointer}/{list}");
        let containers = match spec.get(list) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => return Err(malformed(at, "not an array")),
        };
        for (i, c) in containers.iter().enumerate() {
            if out.len() == MAX_CONTAINERS {
                return Err(WorkloadError::TooMany { kind: k.kind.clone() });
            }
            let at = format!("{at}/{i}");
            let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            let image = match c.get("image") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::String(_)) | None | Some(Value::Null) => return Err(malformed(format!("{at}/image"), "no image")),
                Some(_) => return Err(malformed(format!("{at}/image"), "not a string")),
            };
            out.push(ImageSite { pointer: format!("{at}/image"), container: name, kind, image });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{GroupVersionKind, GroupVersionResource};
    use serde_json::json;

    fn request(group: &str, kind: &str, resource: &str, sub: &str, object: Value) -> AdmissionRequest {
        AdmissionRequest {
            uid: "u".into(),
            kind: GroupVersionKind { group: group.into(), version: "v1".into(), kind: kind.into() },
            resource: GroupVersionResource { group: group.into(), version: "v1".into(), resource: resource.into() },
            sub_resource: sub.into(),
            namespace: "ns".into(),
            operation: "CREATE".into(),
            object,
            ..AdmissionRequest::default()
        }
    }

    fn spec() -> Value {
        json!({"initContainers": [{"name": "i", "image": "r/init:1"}], "containers": [{"name": "a", "image": "r/a:1"}, {"name": "b", "image": "r/b@sha256:00"}], "ephemeralContainers": [{"name": "e", "image": "r/e:1"}]})
    }

    // Pod template locations per k8s.io/api apps/v1 (DeploymentSpec.Template…), batch/v1
    // (JobSpec.Template, CronJobSpec.JobTemplate.Spec.Template).
    #[test]
    fn every_workload_kind_and_container_kind() {
        let cases = [
            ("", "Pod", "pods", json!({"spec": spec()}), "/spec"),
            ("apps", "Deployment", "deployments", json!({"spec": {"template": {"spec": spec()}}}), "/spec/template/spec"),
            ("apps", "ReplicaSet", "replicasets", json!({"spec": {"template": {"spec": spec()}}}), "/spec/template/spec"),
            ("apps", "StatefulSet", "statefulsets", json!({"spec": {"template": {"spec": spec()}}}), "/spec/template/spec"),
            ("apps", "DaemonSet", "daemonsets", json!({"spec": {"template": {"spec": spec()}}}), "/spec/template/spec"),
            ("batch", "Job", "jobs", json!({"spec": {"template": {"spec": spec()}}}), "/spec/template/spec"),
            ("batch", "CronJob", "cronjobs", json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": spec()}}}}}), "/spec/jobTemplate/spec/template/spec"),
        ];
        for (group, kind, resource, object, base) in cases {
            let sites = images(&request(group, kind, resource, "", object)).unwrap();
            let got: Vec<(&str, ContainerKind, &str)> = sites.iter().map(|s| (s.pointer.as_str(), s.kind, s.image.as_str())).collect();
            let want = [
                (format!("{base}/initContainers/0/image"), ContainerKind::InitContainer, "r/init:1"),
                (format!("{base}/containers/0/image"), ContainerKind::Container, "r/a:1"),
                (format!("{base}/containers/1/image"), ContainerKind::Container, "r/b@sha256:00"),
                (format!("{base}/ephemeralContainers/0/image"), ContainerKind::EphemeralContainer, "r/e:1"),
            ];
            assert_eq!(got, want.iter().map(|(p, k, i)| (p.as_str(), *k, *i)).collect::<Vec<_>>(), "{kind}");
        }
        let sub = images(&request("", "Pod", "pods", "ephemeralcontainers", json!({"spec": spec()}))).unwrap();
        assert_eq!(sub.len(), 4);
    }

    #[test]
    fn unknown_and_malformed_are_refused() {
        for (group, kind, sub) in [("", "Service", ""), ("apps", "Pod", ""), ("", "Pod", "status"), ("batch", "Deployment", "")] {
            assert!(matches!(images(&request(group, kind, "x", sub, json!({"spec": spec()}))), Err(WorkloadError::Unknown(_))), "{group}/{kind}/{sub}");
        }
        let mut delete = request("", "Pod", "pods", "", json!({"spec": spec()}));
        delete.operation = "DELETE".into();
        assert!(matches!(images(&delete), Err(WorkloadError::Unknown(_))));
        let no_image = json!({"spec": {"containers": [{"name": "a"}]}});
        assert!(matches!(images(&request("", "Pod", "pods", "", no_image)), Err(WorkloadError::Malformed { pointer, .. }) if pointer == "/spec/containers/0/image"));
        let not_array = json!({"spec": {"containers": {"name": "a"}}});
        assert!(matches!(images(&request("", "Pod", "pods", "", not_array)), Err(WorkloadError::Malformed { .. })));
        assert!(matches!(images(&request("apps", "Deployment", "deployments", "", json!({"spec": {}}))), Err(WorkloadError::Malformed { pointer, .. }) if pointer == "/spec/template"));
        let many: Vec<Value> = (0..=MAX_CONTAINERS).map(|i| json!({"name": format!("c{i}"), "image": "r/a:1"})).collect();
        assert!(matches!(images(&request("", "Pod", "pods", "", json!({"spec": {"containers": many}}))), Err(WorkloadError::TooMany { .. })));
    }
}
