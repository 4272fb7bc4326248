#!/usr/bin/env python3
"""Generates Sources/KaitoSim/Builtins/BuiltinSchemas+Generated.swift: the field names and types of the built-in
Kubernetes kinds KaitoSim serves, for pruning unknown fields and for the OpenAPI v3 documents.

The facts come from the model classes of the official Kubernetes Python client (`openapi_types` and `attribute_map`
of `kubernetes/client/models/*.py`), which are generated from the API server's OpenAPI document. The Python types
lose a few distinctions the server makes; OVERRIDES below restores them from the Go types (`k8s.io/api`):
Quantity, IntOrString, MicroTime and base64 `[]byte` fields, and the RawExtension / free-form fields.

Usage (the project builds without the wheel; CI never runs this):

    pip download --no-deps kubernetes==36.0.3 -d /tmp/k8s-client
    python3 scripts/gen-builtin-schemas.py /tmp/k8s-client/kubernetes-36.0.3-py2.py3-none-any.whl \
        > Sources/KaitoSim/Builtins/BuiltinSchemas+Generated.swift

kubernetes 36.0.3 is generated from `release-1.36`, the server version KaitoSim follows.
"""

import ast
import re
import sys
import zipfile

CLIENT_VERSION = "36.0.3"

# The kinds whose schemas are generated: (apiVersion, kind, Python model class). The order matters: a type is
# put in the Go package of the first kind that reaches it (core before apps before batch ...).
ROOTS = [
    ("v1", "Pod", "V1Pod"),
    ("v1", "PodTemplate", "V1PodTemplate"),
    ("v1", "Service", "V1Service"),
    ("v1", "Endpoints", "V1Endpoints"),
    ("v1", "ConfigMap", "V1ConfigMap"),
    ("v1", "Secret", "V1Secret"),
    ("v1", "ServiceAccount", "V1ServiceAccount"),
    ("v1", "Namespace", "V1Namespace"),
    ("v1", "Node", "V1Node"),
    ("v1", "Event", "CoreV1Event"),
    ("v1", "PersistentVolumeClaim", "V1PersistentVolumeClaim"),
    ("v1", "Binding", "V1Binding"),
    ("apps/v1", "Deployment", "V1Deployment"),
    ("apps/v1", "StatefulSet", "V1StatefulSet"),
    ("apps/v1", "DaemonSet", "V1DaemonSet"),
    ("apps/v1", "ReplicaSet", "V1ReplicaSet"),
    ("apps/v1", "ControllerRevision", "V1ControllerRevision"),
    ("batch/v1", "Job", "V1Job"),
    ("batch/v1", "CronJob", "V1CronJob"),
    ("coordination.k8s.io/v1", "Lease", "V1Lease"),
    ("rbac.authorization.k8s.io/v1", "Role", "V1Role"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "V1ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "V1RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "V1ClusterRoleBinding"),
    ("events.k8s.io/v1", "Event", "EventsV1Event"),
    ("discovery.k8s.io/v1", "EndpointSlice", "V1EndpointSlice"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "V1CustomResourceDefinition"),
]

GROUP_PACKAGES = {
    "": "io.k8s.api.core.v1",
    "apps": "io.k8s.api.apps.v1",
    "batch": "io.k8s.api.batch.v1",
    "coordination.k8s.io": "io.k8s.api.coordination.v1",
    "rbac.authorization.k8s.io": "io.k8s.api.rbac.v1",
    "events.k8s.io": "io.k8s.api.events.v1",
    "discovery.k8s.io": "io.k8s.api.discovery.v1",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
}

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
META_TYPES = {
    "V1ObjectMeta", "V1ListMeta", "V1LabelSelector", "V1LabelSelectorRequirement", "V1ManagedFieldsEntry",
    "V1OwnerReference", "V1Condition", "V1Status", "V1StatusDetails", "V1StatusCause",
}

# Python class prefixes that name the Go package outright.
PREFIXED_PACKAGES = {
    "CoreV1": "io.k8s.api.core.v1",
    "EventsV1": "io.k8s.api.events.v1",
    "DiscoveryV1": "io.k8s.api.discovery.v1",
    "RbacV1": "io.k8s.api.rbac.v1",
    "ApiextensionsV1": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
}

# Field types the Python client cannot express, from the Go types: class -> {json field: code}.
# q = resource.Quantity, x = intstr.IntOrString, u = metav1.MicroTime, y = []byte (base64), * = free-form.
OVERRIDES = {
    "V1ResourceRequirements": {"limits": "{q", "requests": "{q"},
    "V1VolumeResourceRequirements": {"limits": "{q", "requests": "{q"},
    "V1PodSpec": {"overhead": "{q"},
    "V1EmptyDirVolumeSource": {"sizeLimit": "q"},
    "V1NodeStatus": {"capacity": "{q", "allocatable": "{q"},
    "V1PersistentVolumeClaimStatus": {"capacity": "{q", "allocatedResources": "{q"},
    "V1ContainerStatus": {"allocatedResources": "{q"},
    "V1ResourceFieldSelector": {"divisor": "q"},
    "V1ServicePort": {"targetPort": "x"},
    "V1HTTPGetAction": {"port": "x"},
    "V1TCPSocketAction": {"port": "x"},
    "V1RollingUpdateDeployment": {"maxSurge": "x", "maxUnavailable": "x"},
    "V1RollingUpdateDaemonSet": {"maxSurge": "x", "maxUnavailable": "x"},
    "V1RollingUpdateStatefulSetStrategy": {"maxUnavailable": "x"},
    "V1LeaseSpec": {"acquireTime": "u", "renewTime": "u"},
    "CoreV1Event": {"eventTime": "u"},
    "CoreV1EventSeries": {"lastObservedTime": "u"},
    "EventsV1Event": {"eventTime": "u"},
    "EventsV1EventSeries": {"lastObservedTime": "u"},
    "V1Secret": {"data": "{y"},
    "V1ConfigMap": {"binaryData": "{y"},
}

# Go int64 fields (the rest of the integers are int32), for decoding error messages.
INT64_FIELDS = {
    "V1ObjectMeta": {"generation", "deletionGracePeriodSeconds"},
    "V1PodSpec": {"activeDeadlineSeconds", "terminationGracePeriodSeconds"},
    "V1Probe": {"terminationGracePeriodSeconds"},
    "V1PodSecurityContext": {"runAsUser", "runAsGroup", "fsGroup", "supplementalGroups"},
    "V1SecurityContext": {"runAsUser", "runAsGroup"},
    "V1ServiceAccountTokenProjection": {"expirationSeconds"},
    "V1DeploymentStatus": {"observedGeneration"},
    "V1StatefulSetStatus": {"observedGeneration"},
    "V1DaemonSetStatus": {"observedGeneration"},
    "V1ReplicaSetStatus": {"observedGeneration"},
    "V1ControllerRevision": {"revision"},
    "V1JobSpec": {"activeDeadlineSeconds"},
    "V1CronJobSpec": {"startingDeadlineSeconds"},
    "V1Condition": {"observedGeneration"},
    "V1PodCondition": {"observedGeneration"},
    "V1PodStatus": {"observedGeneration"},
    "V1DeploymentCondition": set(),
    "V1JSONSchemaProps": {"maxItems", "maxLength", "maxProperties", "minItems", "minLength", "minProperties"},
    "V1CustomResourceDefinitionCondition": {"observedGeneration"},
    "V1NodeSwapStatus": {"capacity"},
    "V1ExpressionWarning": set(),
}

# Python free-form ('object') fields that are IntOrString when not listed above are a mistake; these are the
# known free-form ones (kept whole: no pruning inside).
FREE_FORM = {
    ("V1ControllerRevision", "data"),  # runtime.RawExtension
    ("V1ManagedFieldsEntry", "fieldsV1"),  # metav1.FieldsV1
    ("V1CustomResourceSubresources", "status"),  # an empty struct
}


def load_models(wheel):
    classes = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not re.match(r"kubernetes/client/models/[a-z0-9_]+\.py$", name) or name.endswith("__init__.py"):
                continue
            tree = ast.parse(archive.read(name).decode("utf-8"))
            for node in tree.body:
                if not isinstance(node, ast.ClassDef):
                    continue
                types, attributes = None, None
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
                        target = statement.targets[0].id
                        if target == "openapi_types":
                            types = ast.literal_eval(statement.value)
                        elif target == "attribute_map":
                            attributes = ast.literal_eval(statement.value)
                if types is not None and attributes is not None:
                    classes[node.name] = [(attributes[key], value) for key, value in types.items()]
    return classes


def references(python_type):
    return re.findall(r"\b([A-Z][A-Za-z0-9]+)\b", python_type)


def go_name(python_class):
    for prefix in PREFIXED_PACKAGES:
        if python_class.startswith(prefix):
            return python_class[len(prefix):]
    match = re.match(r"V\d+(?:(?:alpha|beta)\d+)?([A-Z].*)$", python_class)
    if not match:
        raise SystemExit(f"unexpected model class name {python_class}")
    return match.group(1)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: gen-builtin-schemas.py kubernetes-X.Y.Z-py2.py3-none-any.whl")
    classes = load_models(sys.argv[1])
    package_of = {}
    order = []
    for api_version, _, root in ROOTS:
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        queue = [root]
        while queue:
            current = queue.pop(0)
            if current in package_of:
                continue
            if current not in classes:
                raise SystemExit(f"model class {current} not in the wheel")
            if current in META_TYPES:
                package_of[current] = META
            else:
                package_of[current] = next(
                    (package for prefix, package in PREFIXED_PACKAGES.items() if current.startswith(prefix)),
                    GROUP_PACKAGES[group])
            order.append(current)
            for _, python_type in classes[current]:
                queue.extend(ref for ref in references(python_type) if ref in classes)

    def full_name(python_class):
        return f"{package_of[python_class]}.{go_name(python_class)}"

    names = {}
    for python_class in order:
        name = full_name(python_class)
        if name in names:
            raise SystemExit(f"{python_class} and {names[name]} both map to {name}")
        names[name] = python_class

    def code(python_class, field, python_type):
        override = OVERRIDES.get(python_class, {}).get(field)
        if override:
            return override
        if (python_class, field) in FREE_FORM:
            return "*"
        if python_type.startswith("list["):
            return "[" + code(python_class, field, python_type[5:-1])
        if python_type.startswith("dict[str, "):
            return "{" + code(python_class, field, python_type[10:-1])
        scalar = {"str": "s", "bool": "b", "float": "n", "datetime": "t", "date": "t", "object": "*"}
        if python_type == "int":
            return "l" if field in INT64_FIELDS.get(python_class, set()) else "i"
        if python_type in scalar:
            if python_type == "object" and python_class != "V1JSONSchemaProps":
                raise SystemExit(f"free-form field {python_class}.{field} needs an override or FREE_FORM entry")
            return scalar[python_type]
        if python_type in classes:
            return "@" + full_name(python_type)
        raise SystemExit(f"unknown type {python_type} of {python_class}.{field}")

    # A type starts a line; its fields follow, wrapped to 120 columns on lines that start with spaces.
    lines = []
    for python_class in sorted(order, key=full_name):
        line = "    " + full_name(python_class)
        for field, python_type in sorted(classes[python_class]):
            item = f"{field}={code(python_class, field, python_type)}"
            if len(line) + 1 + len(item) > 120:
                lines.append(line)
                line = "      " + item
            else:
                line += " " + item
        lines.append(line)

    out = sys.stdout
    out.write("// Generated by scripts/gen-builtin-schemas.py from the model classes of the Kubernetes Python client\n")
    out.write(f"// {CLIENT_VERSION} (OpenAPI document release-1.36). Do not edit; regenerate with:\n")
    out.write(f"//     pip download --no-deps kubernetes=={CLIENT_VERSION} -d /tmp/k8s-client\n")
    out.write("//     python3 scripts/gen-builtin-schemas.py \\\n")
    out.write(f"//         /tmp/k8s-client/kubernetes-{CLIENT_VERSION}-py2.py3-none-any.whl \\\n")
    out.write("//         > Sources/KaitoSim/Builtins/BuiltinSchemas+Generated.swift\n")
    out.write("// swift-format-ignore-file\n\n")
    out.write("extension BuiltinSchemas {\n")
    out.write("    /// The root type of each generated kind, keyed `apiVersion/Kind` (`apps/v1/Deployment`).\n")
    out.write("    static let generatedKinds: [String: String] = [\n")
    for api_version, kind, root in ROOTS:
        entry = f"        \"{api_version}/{kind}\": \"{full_name(root)}\","
        if len(entry) > 120:
            entry = f"        \"{api_version}/{kind}\":\n            \"{full_name(root)}\","
        out.write(entry + "\n")
    out.write("    ]\n\n")
    out.write("    /// One line per type: its OpenAPI name, then `field=TYPE` for each field. TYPE is `s` string, `i` int32,\n")
    out.write("    /// `l` int64, `n` number, `b` boolean, `t` Time, `u` MicroTime, `q` Quantity, `x` IntOrString, `y` base64\n")
    out.write("    /// bytes, `*` free-form (kept whole), `@NAME` an object of type NAME, `[T` a list of T, `{T` a map of T.\n")
    out.write("    /// Lines that start with more spaces continue the type above.\n")
    out.write("    static let generatedDefinitions = \"\"\"\n")
    for line in lines:
        out.write(line + "\n")
    out.write("    \"\"\"\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
