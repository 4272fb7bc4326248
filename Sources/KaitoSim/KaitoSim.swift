/// KaitoSim: a Kubernetes API server emulator for testing kaito-swift without a cluster.
///
/// This module holds the transport-free core: ``APIStore``, an object store with the API server's semantics
/// (resourceVersions, generations, status subresources, the four patch types, finalizers, garbage collection,
/// watches and CustomResourceDefinitions), the ``ResourceRegistry`` of served resources, and ``APIError``, which
/// renders Kubernetes `Status` objects. An HTTP layer maps requests onto ``APIStore`` one to one.
public enum KaitoSim {
    /// The Kubernetes version whose API behaviour the emulator follows.
    public static let emulatedKubernetesVersion = "v1.30.0"
}
