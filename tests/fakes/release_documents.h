// Documents of the release as the stand-in charts render them, shared by the
// driver tests that build a render or a stored manifest from them, so that a
// change to how KEDA's templated CRD looks is made once.
#ifndef DOTK8S_TESTS_FAKES_RELEASE_DOCUMENTS_H_
#define DOTK8S_TESTS_FAKES_RELEASE_DOCUMENTS_H_

#include <initializer_list>
#include <string>
#include <string_view>

namespace dotk8s::testing {

/// KEDA's templated CRD (the stand-in builds it with `include`).
inline constexpr std::string_view kKedaScaledObjectCrd = R"(# Source: dot-apps/charts/keda/templates/crds.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: scaledobjects.keda.sh
spec:
  group: keda.sh
  names:
    kind: ScaledObject
    plural: scaledobjects
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
)";

/// KEDA's operator in its namespace.
inline constexpr std::string_view kKedaOperator = R"(# Source: dot-apps/charts/keda/templates/operator.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: keda-operator
  namespace: keda
)";

/// The Namespace dotk8s-post injects for KEDA.
inline constexpr std::string_view kKedaNamespace = R"(# Source: dot-apps/templates/dotk8s-post/namespaces.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: keda
)";

/// A stream of `documents`, each after a `---` line.
inline std::string Stream(std::initializer_list<std::string_view> documents) {
  std::string stream;
  for (std::string_view document : documents) {
    stream += "---\n";
    stream += document;
  }
  return stream;
}

}  // namespace dotk8s::testing

#endif  // DOTK8S_TESTS_FAKES_RELEASE_DOCUMENTS_H_
