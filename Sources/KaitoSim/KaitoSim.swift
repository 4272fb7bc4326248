/// KaitoSim: a Kubernetes API server emulator for testing kaito-swift without a cluster.
///
/// This module holds the transport-free core: ``APIStore``, an object store with the API server's semantics
/// (resourceVersions, generations, status subresources, the four patch types, finalizers, garbage collection,
/// watches and CustomResourceDefinitions), the ``ResourceRegistry`` of served resources, and ``APIError``, which
/// renders Kubernetes `Status` objects. An HTTP layer maps requests onto ``APIStore`` one to one.
public enum KaitoSim {
    /// The Kubernetes version the emulator reports (`/version`, node kubelet versions).
    ///
    /// Its answers follow a real kube-apiserver v1.36.2 wherever they have been compared with one (Docs/simulator.md
    /// lists what is emulated), but it reports v1.30: Google Cloud SDK's kubectl dispatcher then runs kubectl 1.30,
    /// which sends JSON, where kubectl 1.32 and later send protobuf bodies from their typed clients, and the emulator
    /// speaks JSON and YAML only.
    public static let emulatedKubernetesVersion = "v1.30.0"

    /// The Kubernetes release whose recorded answers the emulator reproduces.
    public static let behaviourVersion = "v1.36.2"

    /// The Kubernetes version whose CEL libraries compile CRD validation rules: the oldest release Kaito supports,
    /// so that a CRD the emulator accepts installs on every supported cluster (a newer server accepts more).
    public static let celLibraryVersion = "v1.30"
}
